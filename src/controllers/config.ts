import { z } from "zod";

/**
 * Settings of the three controllers. The lead composes this into the operator config; per-tenant
 * policy (resync period, deprovisioning, the guard, dry-run) lives on each ScimTenant instead.
 */
export const ControllersConfigSchema = z.object({
  fieldManager: z
    .string()
    .min(1)
    .default("digicert-access-controller")
    .describe("Field manager of the controllers' writes; distinct from the SCIM receiver's so neither clobbers the other. Defaults to digicert-access-controller."),
  workers: z
    .object({
      scimTenant: z.number().int().min(1).max(64).default(2).describe("Concurrent ScimTenant reconciles. Defaults to 2."),
      groupMapping: z.number().int().min(1).max(64).default(2).describe("Concurrent GroupMapping reconciles. Defaults to 2."),
      digicertUser: z
        .number()
        .int()
        .min(1)
        .max(256)
        .default(16)
        .describe("Concurrent DigiCertUser reconciles; DigiCert's rate limits, not this, set the pace. Defaults to 16."),
    })
    .prefault({}),
  retryAfterAuthFailureMs: z
    .number()
    .int()
    .min(1000)
    .default(300_000)
    .describe("When DigiCert refuses a tenant's credentials, retry its users this long after (a Secret change retries at once). Defaults to 300000."),
  resyncConcurrency: z
    .number()
    .int()
    .min(1)
    .max(16)
    .default(2)
    .describe("Tenants whose drift check (paged listUsers) runs at once. Defaults to 2."),
  resyncJitter: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe("Random extra fraction added to each tenant's resync period so tenants do not resync in step. Defaults to 0.1."),
});
export type ControllersConfig = z.infer<typeof ControllersConfigSchema>;

export const defaultControllersConfig = (): ControllersConfig => ControllersConfigSchema.parse({});
