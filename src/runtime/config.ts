import { z } from "zod";

/**
 * Tuning of the controller runtime; the operator's config composes this schema under `runtime`.
 * Whether to elect a leader, the Lease's namespace and name and the replica identity are the
 * operator config's own `leaderElection` settings; only the timings live here.
 */
export const RuntimeConfigSchema = z.object({
  leaderElection: z
    .object({
      leaseDurationMs: z.number().int().min(2000).default(15_000).describe("How long a lease is honoured without renewal. Defaults to 15 s."),
      renewDeadlineMs: z.number().int().min(1000).default(10_000).describe("A leader that cannot renew for this long stops leading. Defaults to 10 s."),
      retryPeriodMs: z.number().int().min(100).default(2_000).describe("Time between acquire/renew attempts. Defaults to 2 s."),
    })
    .prefault({})
    .refine((le) => le.leaseDurationMs > le.renewDeadlineMs && le.renewDeadlineMs > le.retryPeriodMs, {
      message: "leaseDurationMs must exceed renewDeadlineMs, which must exceed retryPeriodMs",
    })
    .describe("Lease timings (client-go's by default)."),
  informer: z
    .object({
      pageSize: z.number().int().min(1).max(10_000).default(500).describe("Objects per list page. Defaults to 500."),
      relistIntervalMs: z.number().int().min(0).default(600_000).describe("Full relist + diff interval; 0 disables. Defaults to 10 min."),
    })
    .prefault({})
    .describe("List/watch caches."),
  requestTimeoutMs: z.number().int().min(1000).default(30_000).describe("Limit of one Kubernetes API request (watches excepted), so a half-open connection cannot stall the operator. Defaults to 30 s."),
  gracefulShutdownMs: z.number().int().min(0).default(30_000).describe("How long stopping waits for running reconciles. Defaults to 30 s."),
  eventLoopLagThresholdMs: z.number().int().min(100).default(5_000).describe("/healthz fails when event-loop lag reaches this. Defaults to 5 s."),
});

export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;

export const defaultRuntimeConfig = (overrides: z.input<typeof RuntimeConfigSchema> = {}): RuntimeConfig => RuntimeConfigSchema.parse(overrides);
