import { z } from "zod";
import { proxyEntryProblem, type TrustProxy } from "./proxy-trust.js";

const splitList = (v: string) => v.split(",").map((s) => s.trim()).filter((s) => s !== "");

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
    .union([z.boolean(), z.number(), z.string(), z.array(z.string())])
    .default(false)
    .superRefine((v, ctx) => {
      if (typeof v === "number") {
        ctx.addIssue({ code: "custom", message: "a hop count trusts the nearest peer whatever its address: list the proxies' addresses or CIDRs instead" });
        return;
      }
      const entries = typeof v === "string" ? splitList(v) : Array.isArray(v) ? v : [];
      if ((typeof v === "string" || Array.isArray(v)) && entries.length === 0) ctx.addIssue({ code: "custom", message: "an empty list trusts no proxy: use false" });
      for (const e of entries) {
        const problem = proxyEntryProblem(e);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }
    })
    .transform((v): TrustProxy => (typeof v === "string" ? splitList(v) : typeof v === "number" ? false : v))
    .describe(
      "Whose X-Forwarded-Proto/Host/Prefix build meta.location: false (nobody, the default), a list of the proxies' addresses or CIDRs " +
        '(["10.0.0.0/8"], or "10.0.0.0/8, ::1"; also loopback, linklocal, uniquelocal), or true (any peer: only when nothing but the ingress can reach the receiver).',
    ),
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
