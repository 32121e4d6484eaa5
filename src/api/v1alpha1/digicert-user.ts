import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";
import { LocalObjectReference, ObjectMetaSchema, cel } from "./meta.js";
import { GrantSchema, ServiceName } from "./services.js";

const str = (max = 1024) => z.string().max(max);
const multiValued = <T extends z.ZodRawShape>(shape: T, max = 20) =>
  z
    .array(
      z.object({
        ...shape,
        value: str(2048).optional(),
        display: str().optional(),
        type: str(64).optional(),
        primary: z.boolean().optional(),
      }),
    )
    .max(max);

/**
 * The finalizer that makes deleting a DigiCertUser deprovision it in DigiCert first. The SCIM
 * receiver creates every user with it, so no user can be deleted before the controller has seen it
 * (and it saves the controller one write per user); the controller adds it to users made otherwise.
 */
export const DEPROVISION_FINALIZER = "digicert-access.io/deprovision";

/** The label the SCIM receiver puts on the users, groups and claims it creates: the tenant's name. */
export const TENANT_LABEL = "scim.digicert-access.io/tenant";

/** What the IdP said about the user: RFC 7643 core User plus the enterprise extension. */
export const ScimUserStateSchema = z.object({
  userName: str(512),
  externalId: str(512).optional(),
  active: z.boolean(),
  displayName: str().optional(),
  nickName: str().optional(),
  profileUrl: str(2048).optional(),
  title: str().optional(),
  userType: str().optional(),
  preferredLanguage: str(64).optional(),
  locale: str(64).optional(),
  timezone: str(64).optional(),
  name: z
    .object({
      formatted: str().optional(),
      familyName: str().optional(),
      givenName: str().optional(),
      middleName: str().optional(),
      honorificPrefix: str().optional(),
      honorificSuffix: str().optional(),
    })
    .optional(),
  emails: multiValued({}).optional(),
  phoneNumbers: multiValued({}).optional(),
  ims: multiValued({}).optional(),
  photos: multiValued({}).optional(),
  roles: multiValued({}).optional(),
  entitlements: multiValued({}).optional(),
  addresses: z
    .array(
      z.object({
        formatted: str().optional(),
        streetAddress: str().optional(),
        locality: str().optional(),
        region: str().optional(),
        postalCode: str(64).optional(),
        country: str(64).optional(),
        type: str(64).optional(),
        primary: z.boolean().optional(),
      }),
    )
    .max(10)
    .optional(),
  enterprise: z
    .object({
      employeeNumber: str().optional(),
      costCenter: str().optional(),
      organization: str().optional(),
      division: str().optional(),
      department: str().optional(),
      manager: z
        .object({ value: str(512).optional(), displayName: str().optional(), $ref: str(2048).optional() })
        .optional(),
    })
    .optional()
    .describe("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
  extensions: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ "x-kubernetes-preserve-unknown-fields": true })
    .describe("Attributes of other schema extensions, keyed by schema URN, kept as sent."),
  groups: z
    .array(z.object({ value: str(256), display: str().optional() }))
    .max(5000)
    .optional()
    .describe("SCIM ids of the groups the user belongs to. Membership lives on users so no object grows with the organisation."),
  created: z.string().optional(),
  lastModified: z.string().optional(),
  deactivatedAt: z.string().optional().describe("When the IdP last set active=false."),
});
export type ScimUserState = z.infer<typeof ScimUserStateSchema>;

export const ServiceAccessSchema = z.object({
  service: ServiceName,
  roles: z.array(str(128)).max(32).optional(),
  divisions: z.array(str(128)).max(100).optional(),
});
export type ServiceAccess = z.infer<typeof ServiceAccessSchema>;

export const ServiceStatusSchema = ServiceAccessSchema.extend({
  state: z
    .enum(["Provisioned", "Disabled", "Deleted", "Pending", "Planned", "Failed"])
    .describe("Provisioned, Disabled, Deleted, Pending (waiting in DigiCert), Planned (dry-run) or Failed."),
  remoteId: str(256).optional(),
  lastSyncTime: z.string().optional(),
  message: str(4096).optional(),
});

export const DigiCertUserSpecSchema = z.object({
  tenantRef: LocalObjectReference.describe("The ScimTenant this user was provisioned through."),
  suspend: z.boolean().default(false).describe("Stop reconciling this user; DigiCert is left as it is."),
  overrides: z
    .object({
      reason: z.string().min(1).max(1024).describe("Why the break-glass override exists (shown in Events)."),
      extraGrants: z.array(GrantSchema).max(16).optional().describe("Grants added regardless of the user's groups."),
      denyServices: z.array(ServiceName).max(7).optional().describe("Services the user gets no access to, whatever the groups say."),
      expiresAt: z.string().datetime({ offset: true }).optional().describe("When the override stops applying (RFC 3339)."),
    })
    .meta(
      cel({
        rule: "has(self.extraGrants) || has(self.denyServices)",
        message: "overrides needs extraGrants or denyServices",
      }),
    )
    .optional()
    .describe("Break-glass overrides set by an operator; the IdP never writes spec."),
});

export const DigiCertUserStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: ConditionsSchema.optional(),
  scim: ScimUserStateSchema.optional().describe("Written only by the SCIM receiver (field manager digicert-access-scim)."),
  desired: z.array(ServiceAccessSchema).max(7).optional().describe("Access the user should have, computed from the GroupMappings."),
  services: z.array(ServiceStatusSchema).max(7).optional().describe("Access applied in each DigiCert service."),
  summary: z
    .object({ groups: str(4096).optional(), services: str(4096).optional() })
    .optional()
    .describe("One-line summaries for kubectl get."),
});

export const DigiCertUserSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal("DigiCertUser"),
  metadata: ObjectMetaSchema,
  spec: DigiCertUserSpecSchema,
  status: DigiCertUserStatusSchema.optional(),
});
export type DigiCertUser = z.infer<typeof DigiCertUserSchema>;
