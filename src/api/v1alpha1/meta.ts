import { z } from "zod";

export const GROUP = "digicert-access.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** CEL rule attached to a schema node; the generator copies it into x-kubernetes-validations. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

export const cel = (...rules: CelRule[]) => ({ "x-kubernetes-validations": rules });

/**
 * The part of ObjectMeta the operator reads. Unknown keys pass through untouched because objects are
 * parsed from the API server, which owns metadata.
 */
export const ObjectMetaSchema = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().int().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    finalizers: z.array(z.string()).optional(),
  })
  .loose();
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Go duration subset accepted everywhere a period is configured: "90s", "10m", "1h30m", "0s". */
export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";
export const Duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN))
  .describe('A duration such as "30s", "10m" or "1h30m".');

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Duration ("1h30m" -> 5400000); throws on text the Duration schema refuses. */
export function parseDurationMs(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) total += Number(value) * UNIT_MS[unit!]!;
  return Math.round(total);
}

export const ResourceName = z.string().min(1).max(253).regex(DNS_SUBDOMAIN);

export const LocalObjectReference = z
  .object({ name: ResourceName.describe("Name of an object in the same namespace.") })
  .describe("A reference to an object in the same namespace.");

export const SecretKeySelector = z
  .object({
    name: ResourceName.describe("Name of a Secret in the same namespace."),
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[-._a-zA-Z0-9]+$/)
      .describe("Key within the Secret's data."),
  })
  .describe("A key of a Secret in the same namespace. The value itself never appears in status, logs or Events.");
export type SecretKeySelector = z.infer<typeof SecretKeySelector>;

export { DNS_LABEL };
