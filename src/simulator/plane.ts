import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { SimulatorOptions } from "./config.js";
import type { Fault, Plane, RollingWindows } from "./faults.js";

/** What every plane module shares: the simulator's clock, dice and settings. */
export interface SimContext {
  options: SimulatorOptions;
  now: () => number;
  random: () => number;
}

/** One DigiCert control plane in the simulator: its routes, its state and its error dialect. */
export interface PlaneModule {
  plane: Plane;
  prefix: string;
  windows: RollingWindows;
  /** Registers routes (already under `prefix`), including the plane's own auth hook. */
  routes(app: FastifyInstance): void;
  /** Sends an error in the plane's dialect. */
  sendError(reply: FastifyReply, status: number, code: string, message: string, headers?: Record<string, string>): FastifyReply;
  /** Answers a 429 exactly as DigiCert does for this plane; `fault` carries any Retry-After to send. */
  sendRateLimited(reply: FastifyReply, fault?: Fault): FastifyReply;
  reset(): void;
  state(): unknown;
  /**
   * Adds to the plane's catalog until the next reset, as an admin creating it in DigiCert while the
   * operator runs would: a CertCentral division, a DigiCert ONE role of `application` (its
   * application_code), a DNS user group, or a DigiCert account group. Returns the new entry's id.
   */
  addCatalogEntry(name: string, application?: string): string;
  seedUsers(count: number, prefix: string): void;
}

/** The credential a request authenticated with, set by the plane's auth hook for rate limiting. */
declare module "fastify" {
  interface FastifyRequest {
    simCredential?: string;
    /** An after-commit fault to apply once the handler has changed state. */
    simFault?: Fault;
    /** The kind of a fault that answered before the handler ran. */
    simFaultKind?: Fault["kind"];
    /** Set when the call was already recorded (its connection was cut). */
    simRecorded?: boolean;
    /** When the request arrived, on the simulator's clock (what DigiCert's windows count). */
    simArrivedAt?: number;
  }
}

/** Turns a fault's retryAfter spec into a header value ("2", or an HTTP-date N seconds ahead). */
export function retryAfterHeader(spec: string | undefined, now: number): Record<string, string> {
  if (!spec) return {};
  const ahead = /^date:\+(\d+)$/.exec(spec);
  if (ahead) return { "retry-after": new Date(now + Number(ahead[1]) * 1000).toUTCString() };
  return { "retry-after": spec };
}

/** Applies the plane's rolling windows to an authenticated request. */
export function enforceWindows(plane: PlaneModule, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  if (!plane.windows.admit(request.simCredential ?? "anonymous", request.simArrivedAt)) return plane.sendRateLimited(reply);
  return undefined;
}

/** Offset/limit slicing shared by the list endpoints. */
export function page<T>(items: T[], offset: number, limit: number): T[] {
  return items.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, limit));
}

export const intParam = (value: unknown, fallback: number): number => {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
};
