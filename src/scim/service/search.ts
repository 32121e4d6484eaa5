import { SEARCH_SCHEMA, listResponseJson, parseListQuery, type ListQuery } from "../query.js";
import { GROUP_TYPE, USER_TYPE, type ResourceType } from "../schema/resource-types.js";
import { ScimError, invalidSyntax } from "../scim-error.js";
import { getCI, isObject, type Json } from "../values.js";
import { listLimits, type ScimContext, type ScimResult } from "./context.js";
import { listGroups } from "./groups.js";
import { listUsers } from "./users.js";

/** RFC 7644 §3.4.3: POST /Users/.search, /Groups/.search, or /.search across both. */
export function search(ctx: ScimContext, body: unknown, only?: "Users" | "Groups"): ScimResult {
  if (!isObject(body)) throw invalidSyntax("a search body must be a JSON object");
  const schemas = getCI(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.some((s) => String(s).toLowerCase() === SEARCH_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`a search body must list "${SEARCH_SCHEMA}" in schemas`);
  }
  const limits = listLimits(ctx.config);
  if (only) {
    const q = parseListQuery(body, only === "Users" ? USER_TYPE : GROUP_TYPE, limits);
    const { total, items } = only === "Users" ? listUsers(ctx, q) : listGroups(ctx, q);
    return { status: 200, json: listResponseJson(items.map((i) => i.json), total, q.startIndex) };
  }
  // Across resource types the filter must make sense for at least one of them.
  const parsed = [USER_TYPE, GROUP_TYPE].map((t) => tryParse(body, t, limits));
  const usable = parsed.filter((p): p is { type: ResourceType; q: ListQuery } => "q" in p);
  if (usable.length === 0) throw (parsed[0] as { err: unknown }).err;
  const all: Buffer[] = [];
  let first: ListQuery | undefined;
  for (const { type, q } of usable) {
    first ??= q;
    const whole = { ...q, startIndex: 1, count: Number.MAX_SAFE_INTEGER };
    all.push(...(type === USER_TYPE ? listUsers(ctx, whole) : listGroups(ctx, whole)).items.map((i) => i.json));
  }
  const start = first!.startIndex - 1;
  return { status: 200, json: listResponseJson(all.slice(start, start + first!.count), all.length, first!.startIndex) };
}

function tryParse(body: Json, type: ResourceType, limits: ReturnType<typeof listLimits>): { type: ResourceType; q: ListQuery } | { err: unknown } {
  try {
    return { type, q: parseListQuery(body, type, limits) };
  } catch (err) {
    if (err instanceof ScimError) return { err };
    throw err;
  }
}
