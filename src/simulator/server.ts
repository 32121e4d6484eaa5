import type { AddressInfo } from "node:net";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { accountScimPlane } from "./account-scim.js";
import { registerAdminRoutes } from "./admin.js";
import { certcentralPlane } from "./certcentral.js";
import { SimulatorOptionsSchema, type SimulatorOptionsInput } from "./config.js";
import { digicertOnePlane } from "./digicert-one.js";
import { dnsPlane } from "./dns.js";
import { CallRecorder, FaultInjector, seededRandom, type CallRecord, type Fault, type Plane } from "./faults.js";
import { retryAfterHeader, type PlaneModule, type SimContext } from "./plane.js";

/** Generic 4xx codes per plane for requests fastify rejects before a handler runs (bad JSON and such). */
const BAD_REQUEST_CODE: Record<Plane, string> = {
  certcentral: "bad_request_format",
  "digicert-one": "invalid_request",
  dns: "INVALID_INPUT",
  "account-scim": "invalidSyntax",
};

/** In-process access to a running simulator: state, faults and the call log. */
export interface SimulatorHandle {
  options: ReturnType<typeof SimulatorOptionsSchema.parse>;
  faults: FaultInjector;
  calls: CallRecorder;
  certcentral: ReturnType<typeof certcentralPlane>;
  digicertOne: PlaneModule;
  dns: PlaneModule;
  accountScim: ReturnType<typeof accountScimPlane>;
  planes: PlaneModule[];
  /** TCP connections accepted so far (keep-alive reuses them). */
  connections(): number;
  /** Empties every plane, the call log, faults and rate windows. */
  reset(): void;
  state(): Record<string, unknown>;
}

export interface BuildOptions extends SimulatorOptionsInput {
  /** Clock of the simulator (rate windows, token expiry, Retry-After dates); defaults to Date.now. */
  now?: () => number;
}

/** Builds the simulator as an un-started fastify instance plus its handle. */
export function buildSimulator(input: BuildOptions = {}): { app: FastifyInstance; sim: SimulatorHandle } {
  const { now = Date.now, ...rest } = input;
  const options = SimulatorOptionsSchema.parse(rest);
  const ctx: SimContext = { options, now, random: seededRandom(options.seed) };
  const certcentral = certcentralPlane(ctx);
  const accountScim = accountScimPlane(ctx);
  const digicertOne = digicertOnePlane(ctx);
  const dns = dnsPlane(ctx);
  const planes: PlaneModule[] = [certcentral, digicertOne, dns, accountScim];
  const faults = new FaultInjector(now, ctx.random);
  const calls = new CallRecorder();
  const hangs = new Set<() => void>();
  let connections = 0;

  const sim: SimulatorHandle = {
    options,
    faults,
    calls,
    certcentral,
    digicertOne,
    dns,
    accountScim,
    planes,
    connections: () => connections,
    reset() {
      for (const p of planes) {
        p.reset();
        p.windows.reset();
      }
      faults.clear();
      calls.clear();
    },
    state: () => Object.fromEntries(planes.map((p) => [p.plane, p.state()])),
  };

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 1024 * 1024 });
  app.server.on("connection", () => connections++);
  app.addHook("onClose", async () => {
    for (const release of hangs) release();
  });
  const planeOf = (url: string) => planes.find((p) => url === p.prefix || url.startsWith(`${p.prefix}/`));
  const routeOf = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`;
  const record = (request: FastifyRequest, status: CallRecord["status"], fault?: Fault | Fault["kind"]) => {
    const plane = planeOf(request.url)?.plane ?? (request.url.startsWith("/_admin") ? "admin" : "unknown");
    if (plane === "admin") return;
    calls.record({
      at: request.simArrivedAt ?? now(),
      plane,
      method: request.method,
      route: routeOf(request),
      url: request.url,
      status,
      ...(fault ? { fault: typeof fault === "string" ? fault : fault.kind } : {}),
      ...(typeof fault === "object" && fault.afterCommit ? { committed: true } : {}),
    });
  };
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        hangs.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      hangs.add(done);
    });
  const cut = async (request: FastifyRequest, reply: FastifyReply, fault: Fault) => {
    record(request, fault.kind === "reset" ? "reset" : "timeout", fault);
    request.simRecorded = true;
    if (fault.kind === "timeout") await hold(options.timeoutHangMs);
    reply.raw.socket?.destroy();
  };

  app.addHook("onRequest", async (request, reply) => {
    request.simArrivedAt = now();
    const plane = planeOf(request.url);
    if (!plane) return;
    const fault = faults.pick(plane.plane, request.method, request.url);
    if (!fault) return;
    if (fault.kind === "latency") return void (await hold(fault.latencyMs));
    if (fault.afterCommit && (fault.kind === "reset" || fault.kind === "timeout")) {
      request.simFault = fault;
      return;
    }
    request.simFaultKind = fault.kind;
    if (fault.kind === "reset" || fault.kind === "timeout") {
      reply.hijack();
      return cut(request, reply, fault);
    }
    if (fault.kind === "rate-limit") return plane.sendRateLimited(reply, fault);
    const status = fault.kind === "outage" ? 503 : fault.status;
    const headers = fault.kind === "outage" && plane.plane === "digicert-one" ? retryAfterHeader(fault.retryAfter ?? "1", now()) : {};
    return plane.sendError(reply, status, status === 503 ? "service_unavailable" : "internal_error", "Simulated failure", headers);
  });
  app.addHook("onSend", async (request, reply, payload) => {
    const fault = request.simFault;
    if (fault && reply.statusCode < 400) await cut(request, reply, fault);
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    if (request.simRecorded) return;
    record(request, reply.statusCode, request.simFaultKind);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const plane = planeOf(request.url);
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const message = status < 500 ? error.message : "Internal error";
    if (!plane) return reply.code(status).send({ error: message });
    return plane.sendError(reply, status, status < 500 ? BAD_REQUEST_CODE[plane.plane] : "internal_error", message);
  });
  app.setNotFoundHandler((request, reply) => {
    const plane = planeOf(request.url);
    if (!plane) return reply.code(404).send({ error: `no route ${request.method} ${request.url}` });
    return plane.sendError(reply, 404, plane.plane === "certcentral" ? "not_found|route" : "resource_not_found", "Route not found");
  });
  for (const plane of planes) app.register(async (scope) => plane.routes(scope), { prefix: plane.prefix });
  app.register(async (scope) => registerAdminRoutes(scope, sim), { prefix: "/_admin" });
  return { app, sim };
}

export interface RunningSimulator {
  url: string;
  /** Base URL of each plane, as a provider's endpoint setting expects it. */
  urls: { certcentral: string; digicertOne: string; dns: string; accountScim: string };
  sim: SimulatorHandle;
  close(): Promise<void>;
}

/** Starts the simulator on `port` (0 = any free port) and `host`; for tests, the demo and the CLI. */
export async function startSimulator(input: BuildOptions = {}): Promise<RunningSimulator> {
  const { app, sim } = buildSimulator(input);
  await app.listen({ port: sim.options.port, host: sim.options.host });
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    urls: {
      certcentral: `${url}/services/v2`,
      digicertOne: `${url}/account/api/v1`,
      dns: `${url}/dns`,
      accountScim: `${url}/scim/v2`,
    },
    sim,
    close: () => app.close(),
  };
}
