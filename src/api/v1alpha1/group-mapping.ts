import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";
import { LocalObjectReference, ObjectMetaSchema, cel } from "./meta.js";
import { GrantSchema } from "./services.js";

export const GroupMappingSpecSchema = z.object({
  tenantRef: LocalObjectReference.describe("The ScimTenant whose groups this mapping refers to."),
  group: z
    .object({
      displayName: z.string().min(1).max(256).optional().describe("The IdP group's displayName (case-sensitive)."),
      externalId: z.string().min(1).max(256).optional().describe("The IdP group's externalId, stable across renames."),
    })
    .meta(
      cel({
        rule: "has(self.displayName) != has(self.externalId)",
        message: "group must name exactly one of displayName or externalId",
      }),
    )
    .describe("Which IdP group this mapping applies to."),
  grants: z
    .array(GrantSchema)
    .min(1)
    .max(32)
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["service", "role"] })
    .describe("Roles the group's members receive, per DigiCert service."),
  priority: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(0)
    .describe("For single-role services (CertCentral), the grant of the highest-priority mapping wins; ties go to the least privileged role."),
});
export type GroupMappingSpec = z.infer<typeof GroupMappingSpecSchema>;

export const GroupMappingStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: ConditionsSchema.optional(),
  matchedGroup: z
    .object({ id: z.string(), displayName: z.string() })
    .optional()
    .describe("The ScimGroup this mapping resolved to."),
  memberCount: z.number().int().optional(),
});

export const GroupMappingSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal("GroupMapping"),
  metadata: ObjectMetaSchema,
  spec: GroupMappingSpecSchema,
  status: GroupMappingStatusSchema.optional(),
});
export type GroupMapping = z.infer<typeof GroupMappingSchema>;
