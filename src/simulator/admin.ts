import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { FaultSchema, PLANES } from "./faults.js";
import type { SimulatorHandle } from "./server.js";

const SeedSchema = z.object({
  plane: z.enum(PLANES),
  count: z.number().int().min(1).max(100_000),
  prefix: z.string().min(1).max(64).default("seed-user-"),
});
const ActivateSchema = z.object({
  username: z.string().min(1),
  email: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  defaultRoleId: z.number().int().optional().describe("Grant this role at once instead of waiting for admin approval."),
});
const LimitsSchema = z.object({ rateLimits: z.array(z.object({ requests: z.number().int().min(1), windowMs: z.number().int().min(1) })) });
const PlaneParam = z.object({ plane: z.enum(PLANES) });
const CallsQuery = z.object({ plane: z.string().optional(), route: z.string().optional(), since: z.coerce.number().int().optional() });

/**
 * The simulator's admin API under /_admin: inspect state, inject and clear faults, read the call
 * log, reset, seed users, and drive DigiCert-side events (a user activating CertCentral).
 */
export function registerAdminRoutes(app: FastifyInstance, sim: SimulatorHandle): void {
  const parse = <T>(schema: z.ZodType<T>, value: unknown, reply: FastifyReply): T | undefined => {
    const result = schema.safeParse(value ?? {});
    if (!result.success) {
      void reply.code(400).send({ error: z.prettifyError(result.error) });
      return undefined;
    }
    return result.data;
  };
  const planeOf = (name: string) => sim.planes.find((p) => p.plane === name)!;

  app.get("/state", async () => ({ ...sim.state(), connections: sim.connections() }));
  app.get("/state/:plane", async (request, reply) => {
    const p = parse(PlaneParam, request.params, reply);
    return p ? planeOf(p.plane).state() : reply;
  });
  app.post("/reset", async () => {
    sim.reset();
    return { reset: true };
  });
  app.post("/seed", async (request, reply) => {
    const body = parse(SeedSchema, request.body, reply);
    if (!body) return reply;
    planeOf(body.plane).seedUsers(body.count, body.prefix);
    return { seeded: body.count };
  });

  app.get("/faults", async () => sim.faults.list());
  app.post("/faults", async (request, reply) => {
    const body = parse(FaultSchema, request.body, reply);
    return body ? reply.code(201).send(sim.faults.add(body)) : reply;
  });
  app.delete("/faults", async (_request, reply) => {
    sim.faults.clear();
    return reply.code(204).send();
  });
  app.delete("/faults/:id", async (request, reply) => {
    const found = sim.faults.remove((request.params as { id: string }).id);
    return found ? reply.code(204).send() : reply.code(404).send({ error: "no such fault" });
  });

  app.get("/calls", async (request, reply) => {
    const q = parse(CallsQuery, request.query, reply);
    return q ? sim.calls.calls(q) : reply;
  });
  app.get("/calls/counts", async (request, reply) => {
    const q = parse(CallsQuery, request.query, reply);
    return q ? sim.calls.counts(q) : reply;
  });
  app.delete("/calls", async (_request, reply) => {
    sim.calls.clear();
    return reply.code(204).send();
  });

  app.put("/limits/:plane", async (request, reply) => {
    const p = parse(PlaneParam, request.params, reply);
    const body = p && parse(LimitsSchema, request.body, reply);
    if (!p || !body) return reply;
    const windows = planeOf(p.plane).windows;
    windows.windows = body.rateLimits;
    windows.reset();
    return body;
  });
  app.post("/certcentral/activate", async (request, reply) => {
    const body = parse(ActivateSchema, request.body, reply);
    return body ? reply.code(201).send({ id: sim.certcentral.activate(body) }) : reply;
  });
  app.post("/certcentral/keys", async (request, reply) => {
    const body = parse(z.object({ username: z.string() }), request.body, reply);
    if (!body) return reply;
    const id = sim.certcentral.addKey(body.username);
    return id === undefined ? reply.code(404).send({ error: "no such user" }) : reply.code(201).send({ id });
  });
  app.post("/account-scim/local-users", async (request, reply) => {
    const body = parse(z.object({ userName: z.string().min(1) }), request.body, reply);
    return body ? reply.code(201).send({ id: sim.accountScim.addLocalUser(body.userName) }) : reply;
  });
}
