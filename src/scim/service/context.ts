import type { Logger } from "../../observability/logger.js";
import type { ScimConfig } from "../config.js";
import type { ListLimits } from "../query.js";
import type { GroupRenderContext } from "../resources/group.js";
import { project } from "../projection.js";
import type { ResolvedPath, ResourceType } from "../schema/resource-types.js";
import { schemaIdsOf } from "../schema/resource-types.js";
import { ScimError, invalidSyntax, notFound } from "../scim-error.js";
import type { ScimStore, Tenant } from "../store/store.js";
import { rendered, type RenderCache, type Rendered } from "./render-cache.js";
import { getCI, isObject, jsonDepth, type Json } from "../values.js";

/** One authenticated request's view: its tenant, the externally visible base URL and the store. */
export interface ScimContext {
  tenant: Tenant;
  /** Absolute URL of the tenant's SCIM root as the IdP sees it, no trailing slash. */
  baseUrl: string;
  store: ScimStore;
  config: ScimConfig;
  logger: Logger;
  /** The IdP's request id, when it sent one, for the audit line. */
  requestId?: string;
  renderCache: RenderCache;
}

/** What an operation answers; the HTTP layer and /Bulk both render it. */
export interface ScimResult {
  status: number;
  body?: Json;
  /** The body already serialised (from the render cache); sent instead of `body`. */
  json?: Buffer;
  location?: string;
  version?: string;
}

export interface RequestInput {
  query: Record<string, unknown>;
  body?: unknown;
  ifMatch?: string;
  ifNoneMatch?: string;
}

export const listLimits = (config: ScimConfig): ListLimits => ({
  defaultPageSize: config.defaultPageSize,
  maxPageSize: config.maxPageSize,
  maxLength: config.maxFilterLength,
  maxDepth: config.maxFilterDepth,
});

export function renderContext(ctx: ScimContext): GroupRenderContext {
  return {
    baseUrl: ctx.baseUrl,
    groupName: (id) => ctx.store.getGroup(ctx.tenant, id)?.state.displayName,
    userName: (id) => {
      const u = ctx.store.getUser(ctx.tenant, id);
      return u ? (u.state.displayName ?? u.state.userName) : undefined;
    },
  };
}

/** One structured line per accepted write (tenant, operation, id, userName, IdP request id); never a token. */
export function audit(ctx: ScimContext, operation: string, resourceType: string, id: string, extra: Json = {}): void {
  ctx.logger.info(
    {
      audit: {
        tenant: `${ctx.tenant.ref.namespace}/${ctx.tenant.ref.name}`,
        operation,
        resourceType,
        id,
        ...extra,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      },
    },
    "scim write accepted",
  );
}

/** A POST/PUT body: an object within the nesting limit whose schemas name the resource type's core schema. */
export function resourceBody(body: unknown, type: ResourceType, config: ScimConfig): Json {
  if (!isObject(body)) throw invalidSyntax("the body must be a JSON object");
  if (jsonDepth(body) > config.maxNestingDepth) throw invalidSyntax(`the body is nested deeper than ${config.maxNestingDepth} levels`);
  const schemas = getCI(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === "string")) {
    throw invalidSyntax(`schemas must be a list that includes "${type.schema.id}"`);
  }
  const lower = schemas.map((s: string) => s.toLowerCase());
  if (!lower.includes(type.schema.id.toLowerCase())) throw new ScimError("SCIM_ERR_INVALID_VALUE", `schemas must include "${type.schema.id}"`);
  const foreignCore = ["urn:ietf:params:scim:schemas:core:2.0:user", "urn:ietf:params:scim:schemas:core:2.0:group"].filter(
    (id) => !schemaIdsOf(type).some((s) => s.toLowerCase() === id),
  );
  if (lower.some((s) => foreignCore.includes(s))) throw new ScimError("SCIM_ERR_INVALID_VALUE", `schemas names a schema that is not a ${type.name} schema`);
  return body;
}

/** The version a write must find (If-Match), undefined for none or "*". */
export function ifMatchVersion(input: RequestInput): string | undefined {
  const v = versionOf(input.ifMatch);
  return v === "*" ? undefined : v;
}

/** 304 when If-None-Match names the current version (RFC 7644 §3.14). */
export function notModified(version: string, input: RequestInput): ScimResult | undefined {
  const etag = versionOf(input.ifNoneMatch);
  return etag !== undefined && (etag === "*" || etag === version) ? { status: 304, version } : undefined;
}

export function mustExist<R>(rec: R | undefined, what: "User" | "Group", id: string): R {
  if (rec === undefined) throw notFound(what, id);
  return rec;
}

/** A rendered resource cut down to the requested attributes, serialised. */
export function projected(obj: Json, q: { attributes?: ResolvedPath[]; excludedAttributes?: ResolvedPath[] }): Rendered {
  return rendered(project(obj, q.attributes, q.excludedAttributes));
}

/** The resourceVersion in an If-Match / If-None-Match value (`W/"123"`, `"123"`), or "*". */
export function versionOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === "*") return "*";
  const m = /^(?:W\/)?"([^"]*)"$/.exec(trimmed);
  return m ? m[1] : trimmed;
}
