import { ScimUserStateSchema, type ScimUserState } from "../../api/v1alpha1/index.js";
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from "../schema/attributes.js";
import { USER_TYPE } from "../schema/resource-types.js";
import { invalidValue } from "../scim-error.js";
import type { Json } from "../values.js";
import { normalizeResource } from "./normalize.js";

/** What the store keeps for a user: the IdP's attributes plus server-managed facts. */
export interface UserRecord {
  id: string;
  /** The object's resourceVersion: meta.version and the If-Match precondition. */
  version: string;
  created: string;
  lastModified: string;
  state: ScimUserState;
}

/** The attributes a client may write, from a POST/PUT body or a patched resource. */
export type UserAttributes = Omit<ScimUserState, "groups" | "created" | "lastModified" | "deactivatedAt">;

export function userAttributesFrom(body: Json): UserAttributes {
  const n = normalizeResource(body, USER_TYPE);
  const candidate: Json = { ...n.core };
  if (candidate.active === undefined) candidate.active = true;
  const enterprise = n.extensions[ENTERPRISE_SCHEMA];
  if (enterprise) candidate.enterprise = enterprise;
  if (Object.keys(n.unknown).length > 0) candidate.extensions = n.unknown;
  if (typeof candidate.userName !== "string" || candidate.userName.trim() === "") {
    throw invalidValue("userName is required");
  }
  const parsed = ScimUserStateSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidValue(`${issue.path.join(".") || "user"}: ${issue.message}`, parsed.error);
  }
  const { groups: _g, created: _c, lastModified: _m, deactivatedAt: _d, ...attributes } = parsed.data;
  return attributes;
}

export interface RenderContext {
  /** Absolute URL of the tenant's SCIM root, without a trailing slash. */
  baseUrl: string;
  groupName(id: string): string | undefined;
}

export const etagOf = (version: string) => `W/"${version}"`;

/** RFC 7643 §3.1 meta of a stored resource. */
export function metaOf(resourceType: "User" | "Group", record: { id: string; version: string; created: string; lastModified: string }, baseUrl: string): Json {
  return {
    resourceType,
    created: record.created,
    lastModified: record.lastModified,
    location: `${baseUrl}/${resourceType}s/${record.id}`,
    version: etagOf(record.version),
  };
}

/** The user as SCIM JSON (RFC 7643 §4.1), with the enterprise extension under its URN. */
export function renderUser(record: UserRecord, ctx: RenderContext): Json {
  const { enterprise, extensions, groups, created: _c, lastModified: _m, deactivatedAt: _d, ...core } = record.state;
  const schemas = [USER_SCHEMA];
  const out: Json = { schemas, id: record.id, ...core };
  if (enterprise && Object.keys(enterprise).length > 0) {
    schemas.push(ENTERPRISE_SCHEMA);
    out[ENTERPRISE_SCHEMA] = enterprise;
  }
  for (const [urn, value] of Object.entries(extensions ?? {})) {
    schemas.push(urn);
    out[urn] = value;
  }
  out.groups = (groups ?? []).flatMap((g) => {
    const display = ctx.groupName(g.value);
    // A membership whose group was deleted mid-way is invisible until the cleanup finishes.
    return display === undefined ? [] : [{ value: g.value, display, $ref: `${ctx.baseUrl}/Groups/${g.value}`, type: "direct" }];
  });
  out.meta = metaOf("User", record, ctx.baseUrl);
  return out;
}
