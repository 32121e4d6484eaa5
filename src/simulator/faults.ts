import { randomUUID } from "node:crypto";
import { z } from "zod";

export const PLANES = ["certcentral", "digicert-one", "dns", "account-scim"] as const;
export type Plane = (typeof PLANES)[number];

/** One injected fault; applies to matching requests with probability `rate` until it expires. */
export const FaultSchema = z.object({
  plane: z.enum([...PLANES, "all"]).default("all"),
  kind: z.enum(["latency", "error", "rate-limit", "reset", "timeout", "outage"]),
  rate: z.number().min(0).max(1).default(1).describe("Probability that a matching request is hit."),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
  pathContains: z.string().optional(),
  status: z.number().int().min(500).max(599).default(500).describe("error: the 5xx to answer."),
  latencyMs: z.number().int().min(0).max(600_000).default(0).describe("latency: added delay."),
  retryAfter: z
    .string()
    .optional()
    .describe('rate-limit/outage on DigiCert ONE: Retry-After seconds ("2"), or "date:+N" for an HTTP-date N s ahead.'),
  afterCommit: z.boolean().default(false).describe("reset/timeout: let the request change state first, then fail."),
  durationMs: z.number().int().min(1).optional().describe("Remove the fault this long after it was added."),
  count: z.number().int().min(1).optional().describe("Remove the fault after it has hit this many requests."),
});
export type FaultSpec = z.input<typeof FaultSchema>;
export type Fault = z.infer<typeof FaultSchema> & { id: string; hits: number; expiresAt?: number };

/** One request the simulator received, kept so tests can assert exact call counts. */
export interface CallRecord {
  seq: number;
  at: number;
  plane: Plane | "admin" | "unknown";
  method: string;
  /** Route template, e.g. "POST /services/v2/user". */
  route: string;
  url: string;
  /** Final HTTP status, or "reset" / "timeout" when the connection was cut. */
  status: number | "reset" | "timeout";
  fault?: Fault["kind"];
  /** True when the request changed state before its connection was cut (an after-commit fault). */
  committed?: boolean;
}

/** Seeded PRNG so a fault mix is reproducible run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  #faults: Fault[] = [];
  constructor(
    readonly now: () => number,
    readonly random: () => number,
  ) {}

  add(spec: FaultSpec): Fault {
    const parsed = FaultSchema.parse(spec);
    const fault: Fault = {
      ...parsed,
      id: randomUUID(),
      hits: 0,
      ...(parsed.durationMs ? { expiresAt: this.now() + parsed.durationMs } : {}),
    };
    this.#faults.push(fault);
    return fault;
  }

  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((f) => f.id !== id);
    return this.#faults.length < before;
  }

  clear(): void {
    this.#faults = [];
  }

  list(): Fault[] {
    this.#expire();
    return [...this.#faults];
  }

  /** The fault that hits this request, if any; each matching fault rolls its own dice in order. */
  pick(plane: Plane, method: string, path: string): Fault | undefined {
    this.#expire();
    for (const f of this.#faults) {
      if (f.plane !== "all" && f.plane !== plane) continue;
      if (f.method && f.method !== method) continue;
      if (f.pathContains && !path.includes(f.pathContains)) continue;
      if (f.rate < 1 && this.random() >= f.rate) continue;
      f.hits++;
      if (f.count !== undefined && f.hits >= f.count) this.remove(f.id);
      return f;
    }
    return undefined;
  }

  #expire(): void {
    const now = this.now();
    this.#faults = this.#faults.filter((f) => f.expiresAt === undefined || f.expiresAt > now);
  }
}

/** Every call, in order, plus counts by route. */
export class CallRecorder {
  #calls: CallRecord[] = [];
  #seq = 0;

  record(call: Omit<CallRecord, "seq">): void {
    this.#calls.push({ seq: ++this.#seq, ...call });
  }

  calls(filter: { plane?: string; route?: string; since?: number } = {}): CallRecord[] {
    return this.#calls.filter(
      (c) =>
        (!filter.plane || c.plane === filter.plane) &&
        (!filter.route || c.route === filter.route) &&
        (filter.since === undefined || c.seq > filter.since),
    );
  }

  /** Calls per "METHOD /route" (and per status under `byStatus`). */
  counts(filter: { plane?: string } = {}): { total: number; byRoute: Record<string, number>; byStatus: Record<string, number> } {
    const byRoute: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    const calls = this.calls(filter);
    for (const c of calls) {
      byRoute[c.route] = (byRoute[c.route] ?? 0) + 1;
      byStatus[String(c.status)] = (byStatus[String(c.status)] ?? 0) + 1;
    }
    return { total: calls.length, byRoute, byStatus };
  }

  clear(): void {
    this.#calls = [];
  }
}

/**
 * Server-side rolling windows per credential, as DigiCert enforces them: a request is refused
 * while any window already holds its limit of accepted requests.
 */
export class RollingWindows {
  #accepted = new Map<string, number[]>();
  constructor(
    public windows: { requests: number; windowMs: number }[],
    readonly now: () => number,
  ) {}

  /** Accepts (and counts) the request, or returns false when a window is full. */
  admit(key: string, at?: number): boolean {
    if (this.windows.length === 0) return true;
    const now = at ?? this.now();
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    const times = (this.#accepted.get(key) ?? []).filter((t) => t > now - longest);
    for (const w of this.windows) {
      if (times.filter((t) => t > now - w.windowMs).length >= w.requests) {
        this.#accepted.set(key, times);
        return false;
      }
    }
    times.push(now);
    this.#accepted.set(key, times);
    return true;
  }

  reset(): void {
    this.#accepted.clear();
  }
}
