import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";
import { Duration, ObjectMetaSchema, SecretKeySelector, cel } from "./meta.js";
import { ServiceName } from "./services.js";

export const ServiceConnectionSchema = z
  .object({
    service: ServiceName,
    credentialsSecretRef: SecretKeySelector.describe(
      "Secret key holding the service's API key (CertCentral X-DC-DEVKEY, DigiCert ONE x-api-key, DNS API key, DigiCert account SCIM token).",
    ),
    endpoint: z
      .string()
      .url()
      .max(2048)
      .optional()
      .describe("Base URL of the service's API. Defaults to DigiCert's public endpoint for the service."),
    rateLimits: z
      .array(
        z.object({
          requests: z.number().int().min(1).max(1_000_000),
          window: Duration.describe("Rolling window, for example 5s or 3m."),
        }),
      )
      .max(4)
      .optional()
      .describe("Client-side rolling-window limits per API key. Defaults to the service's published limits (CertCentral: 100/5s and 1000/3m)."),
  })
  .describe("Connection to one DigiCert service for this tenant.");
export type ServiceConnection = z.infer<typeof ServiceConnectionSchema>;

export const DeprovisionGuardSchema = z
  .object({
    maxDeactivations: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Pause deprovisioning when more users than this are deactivated within the window."),
    maxPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe("Pause deprovisioning when more than this percentage of the tenant's users are deactivated within the window."),
    window: Duration.default("1h").describe("Window over which deactivations are counted. Defaults to 1h."),
  })
  .meta(
    cel({
      rule: "has(self.maxDeactivations) || has(self.maxPercent)",
      message: "the mass-deprovision guard needs maxDeactivations or maxPercent",
    }),
  );

export const DeprovisionPolicySchema = z.object({
  mode: z
    .enum(["Disable", "Delete"])
    .default("Disable")
    .describe("What happens in DigiCert to a user the IdP deactivates or deletes: Disable (reversible) or Delete. Defaults to Disable."),
  gracePeriod: Duration.default("0s").describe("How long to wait after deactivation before deprovisioning. Defaults to 0s."),
  guard: DeprovisionGuardSchema.optional().describe("Mass-deprovision guard; when it trips, deprovisioning waits for approval."),
});

export const ScimTenantSpecSchema = z
  .object({
    scim: z
      .object({
        tokenSecretRefs: z
          .array(SecretKeySelector)
          .min(1)
          .max(5)
          .describe("Bearer tokens the IdP may present; several at once so a token can be rotated without downtime."),
        externalBaseUrl: z
          .string()
          .url()
          .max(2048)
          .optional()
          .describe("Externally visible base URL (the ingress), used for meta.location. Defaults to the request's X-Forwarded-* headers from a trusted proxy."),
      })
      .describe("How the IdP reaches this tenant's SCIM endpoint."),
    services: z
      .array(ServiceConnectionSchema)
      .max(7)
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["service"] })
      .describe("The DigiCert services this tenant provisions into, at most one entry per service."),
    deprovision: DeprovisionPolicySchema.default({ mode: "Disable", gracePeriod: "0s" }).describe("Deprovisioning policy."),
    resyncPeriod: Duration.default("10m").describe("How often every user's DigiCert access is compared with the desired state. Defaults to 10m."),
    dryRun: z.boolean().default(false).describe("Compute and show the plan in status without calling DigiCert."),
    suspend: z.boolean().default(false).describe("Stop reconciling this tenant's users; SCIM is still served."),
  })
  .meta(
    cel({
      rule: "size(self.services) >= 1",
      message: "a ScimTenant must enable at least one DigiCert service in spec.services",
      fieldPath: ".services",
    }),
  );
export type ScimTenantSpec = z.infer<typeof ScimTenantSpecSchema>;

export const ScimTenantStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: ConditionsSchema.optional(),
  scimPath: z.string().optional().describe("Path of the tenant's SCIM endpoint, /scim/v2/NAMESPACE/NAME."),
  scimUrl: z.string().optional().describe("External URL of the SCIM endpoint, when known."),
  users: z.number().int().optional().describe("SCIM users in this tenant."),
  activeUsers: z.number().int().optional(),
  groups: z.number().int().optional().describe("SCIM groups in this tenant."),
  deprovisionGuard: z
    .object({
      tripped: z.boolean(),
      since: z.string().optional(),
      deactivationsInWindow: z.number().int().optional(),
      message: z.string().optional(),
      approvedThrough: z
        .string()
        .optional()
        .describe("Deactivations at or before this time were approved (annotation digicert-access.io/approve-deprovision) and no longer count."),
    })
    .optional()
    .describe("State of the mass-deprovision guard; once tripped it stays tripped until someone approves."),
});

export const ScimTenantSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal("ScimTenant"),
  metadata: ObjectMetaSchema,
  spec: ScimTenantSpecSchema,
  status: ScimTenantStatusSchema.optional(),
});
export type ScimTenant = z.infer<typeof ScimTenantSchema>;
