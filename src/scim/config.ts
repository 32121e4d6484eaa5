import { z } from "zod";

/** Settings of the SCIM receiver; the operator's config composes this schema under `scim`. */
export const ScimConfigSchema = z.object({
  maxBodyBytes: z.number().int().min(1024).default(1_048_576).describe("Largest request body accepted; larger gets 413. Defaults to 1 MiB."),
  maxNestingDepth: z.number().int().min(4).max(256).default(16).describe("Deepest JSON nesting accepted in a body. Defaults to 16."),
  defaultPageSize: z.number().int().min(1).default(100).describe("count when a list request names none. Defaults to 100."),
  maxPageSize: z.number().int().min(1).default(1000).describe("Largest page returned (ServiceProviderConfig filter.maxResults). Defaults to 1000."),
  maxFilterLength: z.number().int().min(64).default(4096).describe("Longest filter accepted. Defaults to 4096 characters."),
  maxFilterDepth: z.number().int().min(2).default(32).describe("Deepest filter nesting accepted. Defaults to 32."),
  maxPatchOperations: z.number().int().min(1).default(1000).describe("Most operations in one PATCH. Defaults to 1000."),
  bulk: z
    .object({
      maxOperations: z.number().int().min(1).default(1000).describe("Most operations in one /Bulk request. Defaults to 1000."),
      maxPayloadBytes: z.number().int().min(1024).default(1_048_576).describe("Largest /Bulk body. Defaults to 1 MiB."),
    })
    .prefault({})
    .describe("Limits of /Bulk, advertised in ServiceProviderConfig."),
  trustProxy: z
    .boolean()
    .default(false)
    .describe("Build meta.location from X-Forwarded-Proto/Host/Prefix (set when the receiver sits behind an ingress that sets them)."),
  tokenCacheTtlMs: z.number().int().min(0).default(10_000).describe("How long a tenant's tokens are kept before the Secrets are read again. Defaults to 10 s."),
  tokenRefreshMinIntervalMs: z
    .number()
    .int()
    .min(0)
    .default(1000)
    .describe("An unknown token makes the Secrets be re-read at most this often per tenant (a just-rotated token works at once). Defaults to 1 s."),
  authFailures: z
    .object({
      max: z.number().int().min(1).default(20).describe("Failed authentications per tenant within the window before throttling. Defaults to 20."),
      windowMs: z.number().int().min(1000).default(60_000).describe("Window of the failure count. Defaults to 60 s."),
    })
    .prefault({})
    .describe("Throttling of failed authentication: past the limit, wrong tokens get 429 without a Secret read."),
  renderCacheSize: z.number().int().min(0).default(20_000).describe("Rendered users kept for reads (the JSON of unchanged users is reused; about 1.5 KB each). Defaults to 20,000."),
  fieldManager: z.string().min(1).default("digicert-access-scim").describe("Field manager of the receiver's writes (status.scim)."),
  writeConcurrency: z.number().int().min(1).max(64).default(16).describe("Membership writes in flight for one group change. Defaults to 16."),
});

export type ScimConfig = z.infer<typeof ScimConfigSchema>;

export const defaultScimConfig = (overrides: z.input<typeof ScimConfigSchema> = {}): ScimConfig => ScimConfigSchema.parse(overrides);
