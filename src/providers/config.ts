import { z } from "zod";

/**
 * Settings of the DigiCert providers' shared HTTP layer. The lead composes this into the operator
 * config; per-tenant endpoints, credentials and rate limits come from each ScimTenant instead.
 */
export const ProvidersConfigSchema = z.object({
  timeoutMs: z.number().int().min(100).default(30_000).describe("Per-attempt request timeout. Defaults to 30000."),
  maxAttempts: z.number().int().min(1).max(20).default(6).describe("Attempts per request, the first included. Defaults to 6."),
  baseDelayMs: z.number().int().min(1).default(500).describe("First backoff step; doubles per retry, with jitter. Defaults to 500."),
  maxDelayMs: z.number().int().min(1).default(30_000).describe("Largest backoff step. Defaults to 30000."),
  maxRetryAfterMs: z
    .number()
    .int()
    .min(0)
    .default(300_000)
    .describe("A Retry-After longer than this fails the request instead of waiting. Defaults to 300000."),
  rateLimitMarginMs: z
    .number()
    .int()
    .min(0)
    .default(100)
    .describe("Added to every rolling window as slack for clock granularity between us and DigiCert. Defaults to 100."),
  breaker: z
    .object({
      failureThreshold: z.number().int().min(1).default(10).describe("Consecutive failures that open the circuit. Defaults to 10."),
      openMs: z.number().int().min(1).default(30_000).describe("How long the circuit stays open. Defaults to 30000."),
    })
    .default({ failureThreshold: 10, openMs: 30_000 }),
  catalog: z
    .object({
      ttlMs: z
        .number()
        .int()
        .min(0)
        .default(600_000)
        .describe("How long a catalog read from DigiCert (roles, DNS user groups, account groups, CertCentral divisions) is reused. Defaults to 600000."),
      missReloadIntervalMs: z
        .number()
        .int()
        .min(0)
        .default(30_000)
        .describe(
          "A role or division missing from the cached catalog reads the catalog again, at most this often, so one created in DigiCert is found at once but a typo costs no read per user. Defaults to 30000.",
        ),
    })
    .prefault({}),
});
export type ProvidersConfig = z.infer<typeof ProvidersConfigSchema>;

export const defaultProvidersConfig = (): ProvidersConfig => ProvidersConfigSchema.parse({});
