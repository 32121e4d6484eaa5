import type { ScimConfig } from "../config.js";
import { listResponse } from "../query.js";
import type { AttrDef, SchemaDef } from "../schema/attributes.js";
import { ENTERPRISE_USER, GROUP, USER } from "../schema/attributes.js";
import { RESOURCE_TYPES, type ResourceType } from "../schema/resource-types.js";
import { notFound } from "../scim-error.js";
import type { Json } from "../values.js";
import type { ScimResult } from "./context.js";

/**
 * RFC 7643 §5–7 discovery, generated from the same schema model the filter, PATCH and projection use,
 * so it describes exactly what the server does.
 */
export function serviceProviderConfig(baseUrl: string, config: ScimConfig): ScimResult {
  return {
    status: 200,
    body: {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      documentationUri: "https://github.com/digicert-access-operator/digicert-access-operator#scim-receiver",
      patch: { supported: true },
      bulk: { supported: true, maxOperations: config.bulk.maxOperations, maxPayloadSize: config.bulk.maxPayloadBytes },
      filter: { supported: true, maxResults: config.maxPageSize },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: "oauthbearertoken",
          name: "Bearer token",
          description: "A long-lived bearer token stored in a Secret named by the ScimTenant (spec.scim.tokenSecretRefs).",
          primary: true,
        },
      ],
      meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
    },
  };
}

function resourceType(rt: ResourceType, baseUrl: string): Json {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: rt.name,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema.id,
    schemaExtensions: rt.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/${rt.name}` },
  };
}

export function resourceTypes(baseUrl: string, name?: string): ScimResult {
  if (name === undefined) {
    const all = RESOURCE_TYPES.map((rt) => resourceType(rt, baseUrl));
    return { status: 200, body: listResponse(all, all.length, 1) };
  }
  const rt = RESOURCE_TYPES.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!rt) throw notFound("ResourceType", name);
  return { status: 200, body: resourceType(rt, baseUrl) };
}

/** Attribute definitions without empty fields (Entra wants no nulls in /Schemas). */
function attribute(a: AttrDef): Json {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues?.length ? { canonicalValues: a.canonicalValues } : {}),
    ...(a.referenceTypes?.length ? { referenceTypes: a.referenceTypes } : {}),
    ...(a.subAttributes?.length ? { subAttributes: a.subAttributes.map(attribute) } : {}),
  };
}

function schema(s: SchemaDef, baseUrl: string): Json {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(attribute),
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${s.id}` },
  };
}

export function schemas(baseUrl: string, id?: string): ScimResult {
  const all = [USER, ENTERPRISE_USER, GROUP];
  if (id === undefined) {
    const bodies = all.map((s) => schema(s, baseUrl));
    return { status: 200, body: listResponse(bodies, bodies.length, 1) };
  }
  const s = all.find((x) => x.id.toLowerCase() === id.toLowerCase());
  if (!s) throw notFound("Schema", id);
  return { status: 200, body: schema(s, baseUrl) };
}
