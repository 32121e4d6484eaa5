import { z } from "zod";
import { DigiCertUserSpecSchema, DigiCertUserStatusSchema } from "./digicert-user.js";
import { GroupMappingSpecSchema, GroupMappingStatusSchema } from "./group-mapping.js";
import { GROUP, VERSION } from "./meta.js";
import { ScimGroupSpecSchema, ScimGroupStatusSchema } from "./scim-group.js";
import { ScimTenantSpecSchema, ScimTenantStatusSchema } from "./scim-tenant.js";

/**
 * The CRDs are generated from the zod schemas in this folder, so the types the code uses and the
 * schemas the API server enforces cannot drift: `npm run crds` writes crds/, and a unit test fails
 * when crds/ differs from what this module generates.
 */

type JsonSchema = Record<string, unknown>;

interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "boolean" | "date" | "number";
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface KindDefinition {
  kind: string;
  plural: string;
  shortNames: string[];
  spec: z.ZodType;
  status: z.ZodType;
  columns: PrinterColumn[];
  description: string;
}

const readyColumn: PrinterColumn = {
  name: "Ready",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const ageColumn: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

export const KINDS: readonly KindDefinition[] = [
  {
    kind: "ScimTenant",
    plural: "scimtenants",
    shortNames: ["st"],
    spec: ScimTenantSpecSchema,
    status: ScimTenantStatusSchema,
    description: "One IdP connection (SCIM 2.0) to one DigiCert account.",
    columns: [
      readyColumn,
      { name: "Users", type: "integer", jsonPath: ".status.users" },
      { name: "Groups", type: "integer", jsonPath: ".status.groups" },
      { name: "Path", type: "string", jsonPath: ".status.scimPath", priority: 1 },
      ageColumn,
    ],
  },
  {
    kind: "GroupMapping",
    plural: "groupmappings",
    shortNames: ["gm"],
    spec: GroupMappingSpecSchema,
    status: GroupMappingStatusSchema,
    description: "Which IdP group gets which role in which DigiCert service.",
    columns: [
      { name: "Tenant", type: "string", jsonPath: ".spec.tenantRef.name" },
      { name: "Group", type: "string", jsonPath: ".status.matchedGroup.displayName" },
      { name: "Members", type: "integer", jsonPath: ".status.memberCount" },
      readyColumn,
      ageColumn,
    ],
  },
  {
    kind: "DigiCertUser",
    plural: "digicertusers",
    shortNames: ["dcu"],
    spec: DigiCertUserSpecSchema,
    status: DigiCertUserStatusSchema,
    description: "A user pushed by the IdP, and the DigiCert access the operator keeps for them. The name is the SCIM id.",
    columns: [
      { name: "Username", type: "string", jsonPath: ".status.scim.userName" },
      { name: "Active", type: "boolean", jsonPath: ".status.scim.active" },
      { name: "Groups", type: "string", jsonPath: ".status.summary.groups" },
      { name: "Services", type: "string", jsonPath: ".status.summary.services" },
      { name: "Synced", type: "string", jsonPath: '.status.conditions[?(@.type=="Synced")].status' },
      ageColumn,
    ],
  },
  {
    kind: "ScimGroup",
    plural: "scimgroups",
    shortNames: ["sg"],
    spec: ScimGroupSpecSchema,
    status: ScimGroupStatusSchema,
    description: "A group pushed by the IdP. Members are stored on the users, not here.",
    columns: [
      { name: "Display Name", type: "string", jsonPath: ".status.scim.displayName" },
      { name: "External ID", type: "string", jsonPath: ".status.scim.externalId", priority: 1 },
      { name: "Members", type: "integer", jsonPath: ".status.memberCount" },
      ageColumn,
    ],
  },
];

const SAFE_INT = 9007199254740991;

/** Turns zod's JSON Schema into a Kubernetes structural schema (no $schema, no unions, types everywhere). */
export function toStructural(node: unknown): JsonSchema {
  if (node === null || typeof node !== "object" || Array.isArray(node)) {
    throw new Error(`schema node is not an object: ${JSON.stringify(node)}`);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    switch (key) {
      case "$schema":
      case "propertyNames":
        break;
      case "properties":
        out.properties = Object.fromEntries(
          Object.entries(value as JsonSchema).map(([name, child]) => [name, toStructural(child)]),
        );
        break;
      case "items":
        out.items = toStructural(value);
        break;
      case "additionalProperties":
        if (value === false) break;
        if (typeof value === "object" && value !== null && Object.keys(value).length === 0) break;
        out.additionalProperties = toStructural(value);
        break;
      case "maximum":
      case "minimum":
        if (Math.abs(value as number) !== SAFE_INT) out[key] = value;
        break;
      case "pattern":
        // zod adds a regex to format: date-time; the API server checks the format itself.
        if ((node as JsonSchema).format !== "date-time") out.pattern = value;
        break;
      case "anyOf":
      case "oneOf":
      case "allOf":
      case "$ref":
      case "$defs":
        throw new Error(`structural schemas cannot express ${key}; restructure the zod schema`);
      default:
        out[key] = value;
    }
  }
  if (out["x-kubernetes-preserve-unknown-fields"] === true) {
    out.type = "object";
    delete out.additionalProperties;
  }
  if (typeof out.type !== "string") {
    throw new Error(`structural schemas need exactly one type per node (unions cannot be expressed): ${JSON.stringify(node)}`);
  }
  return out;
}

const jsonSchemaOf = (schema: z.ZodType) => toStructural(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }));

export function customResourceDefinition(def: KindDefinition): JsonSchema {
  const objectSchema: JsonSchema = {
    type: "object",
    description: def.description,
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: jsonSchemaOf(def.spec),
      status: jsonSchemaOf(def.status),
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.kind.toLowerCase(),
        shortNames: def.shortNames,
        categories: ["digicert"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.columns,
          schema: { openAPIV3Schema: objectSchema },
        },
      ],
    },
  };
}

export const crdFileName = (def: KindDefinition) => `${GROUP}_${def.plural}.yaml`;
