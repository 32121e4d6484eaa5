import { z } from "zod";
import { ConditionsSchema } from "./conditions.js";
import { LocalObjectReference, ObjectMetaSchema } from "./meta.js";

export const ScimGroupSpecSchema = z.object({
  tenantRef: LocalObjectReference.describe("The ScimTenant this group was pushed through."),
});

export const ScimGroupStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: ConditionsSchema.optional(),
  scim: z
    .object({
      displayName: z.string().max(1024),
      externalId: z.string().max(512).optional(),
      created: z.string().optional(),
      lastModified: z.string().optional(),
    })
    .optional()
    .describe("What the IdP said. Members are not stored here: they live on the users (status.scim.groups)."),
  memberCount: z.number().int().optional(),
});

export const ScimGroupSchema = z.object({
  apiVersion: z.string(),
  kind: z.literal("ScimGroup"),
  metadata: ObjectMetaSchema,
  spec: ScimGroupSpecSchema,
  status: ScimGroupStatusSchema.optional(),
});
export type ScimGroup = z.infer<typeof ScimGroupSchema>;
