import type { FilterNode } from "../filter/parser.js";
import { applyPatch, parsePatchRequest } from "../patch.js";
import { listResponseJson, page, parseListQuery, type ListQuery } from "../query.js";
import { renderUser, userAttributesFrom, type UserRecord } from "../resources/user.js";
import { USER_TYPE } from "../schema/resource-types.js";
import type { Json } from "../values.js";
import type { Rendered } from "./render-cache.js";
import { audit, ifMatchVersion, listLimits, mustExist, notModified, projected, renderContext, resourceBody, type RequestInput, type ScimContext, type ScimResult } from "./context.js";

function render(ctx: ScimContext, rec: UserRecord, rc = renderContext(ctx)): Rendered {
  const groups = rec.state.groups?.length ? rec.state.groups.map((g) => rc.groupName(g.value) ?? "").join("\u0000") : "";
  // The base URL holds the tenant's namespace and name, so it scopes the entry to the tenant.
  return ctx.renderCache.get(rec.id, { scope: ctx.baseUrl, version: rec.version, groups }, () => renderUser(rec, rc));
}

const tenantKeyOf = (ctx: ScimContext) => `${ctx.tenant.ref.namespace}/${ctx.tenant.ref.name}`;

/** `userName eq "x"` (alone or in an `and`) is answered from the userName index instead of a scan. */
function candidates(ctx: ScimContext, filter: FilterNode | undefined): readonly UserRecord[] {
  const indexed = filter && userNameEquals(filter);
  return indexed !== undefined ? ctx.store.usersByUserName(ctx.tenant, indexed) : ctx.store.listUsers(ctx.tenant);
}

function userNameEquals(node: FilterNode): string | undefined {
  if (node.type === "compare" && node.op === "eq" && node.path.name === "userName" && !node.path.sub && node.path.container === undefined) {
    return typeof node.value === "string" ? node.value : undefined;
  }
  if (node.type === "and") return userNameEquals(node.left) ?? userNameEquals(node.right);
  return undefined;
}

/**
 * Filters, sorts and pages the tenant's users. Without a filter or sortBy only the requested page
 * is rendered (Okta's import pages through every user that way).
 */
export function listUsers(ctx: ScimContext, q: ListQuery): { total: number; items: Rendered[] } {
  const records = candidates(ctx, q.filter);
  const rc = renderContext(ctx);
  let total: number;
  let items: Rendered[];
  if (!q.filter && !q.sortBy) {
    total = records.length;
    const start = q.startIndex - 1;
    const end = Math.min(records.length, start + q.count);
    const slots = ctx.renderCache.listSlots(tenantKeyOf(ctx), records, ctx.baseUrl, ctx.store.revision());
    items = [];
    for (let i = start; i < end; i++) items.push(slots ? (slots[i] ??= render(ctx, records[i]!, rc)) : render(ctx, records[i]!, rc));
  } else {
    const rendered = records.map((r) => render(ctx, r, rc));
    const byObj = new Map(rendered.map((r) => [r.obj, r]));
    const paged = page(rendered.map((r) => r.obj), q);
    total = paged.total;
    items = paged.items.map((o) => byObj.get(o)!);
  }
  if (!q.attributes && !q.excludedAttributes) return { total, items };
  return { total, items: items.map((r) => projected(r.obj, q)) };
}

export function list(ctx: ScimContext, input: RequestInput): ScimResult {
  const q = parseListQuery(input.query, USER_TYPE, listLimits(ctx.config));
  const { total, items } = listUsers(ctx, q);
  return { status: 200, json: listResponseJson(items.map((i) => i.json), total, q.startIndex) };
}

const found = async (ctx: ScimContext, id: string): Promise<UserRecord> => mustExist(await ctx.store.fetchUser(ctx.tenant, id), "User", id);

function answer(ctx: ScimContext, rec: UserRecord, status: number, input: RequestInput): ScimResult {
  const q = parseListQuery(input.query, USER_TYPE, listLimits(ctx.config));
  const rendered = render(ctx, rec);
  const out = q.attributes || q.excludedAttributes ? projected(rendered.obj, q) : rendered;
  return { status, body: out.obj, json: out.json, location: (rendered.obj.meta as Json).location as string, version: rec.version };
}

export async function get(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  const rec = await found(ctx, id);
  return notModified(rec.version, input) ?? answer(ctx, rec, 200, input);
}

export async function create(ctx: ScimContext, input: RequestInput): Promise<ScimResult> {
  const attrs = userAttributesFrom(resourceBody(input.body, USER_TYPE, ctx.config));
  const { record, replayed } = await ctx.store.createUser(ctx.tenant, attrs);
  audit(ctx, replayed ? "create-replayed" : "create", "User", record.id, { userName: record.state.userName, active: record.state.active });
  return answer(ctx, record, 201, input);
}

/** PUT as Okta's AIW apps use it: the whole resource, echoed with id and meta, which are ignored. */
export async function replace(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  await found(ctx, id);
  const attrs = userAttributesFrom(resourceBody(input.body, USER_TYPE, ctx.config));
  const rec = await ctx.store.updateUser(ctx.tenant, id, () => attrs, ifMatchVersion(input));
  audit(ctx, "replace", "User", id, { userName: rec.state.userName, active: rec.state.active });
  return answer(ctx, rec, 200, input);
}

export async function patch(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  await found(ctx, id);
  const ops = parsePatchRequest(input.body, ctx.config.maxPatchOperations);
  const limits = listLimits(ctx.config);
  const rec = await ctx.store.updateUser(
    ctx.tenant,
    id,
    (current) => userAttributesFrom(applyPatch(render(ctx, current).obj, ops, USER_TYPE, limits)),
    ifMatchVersion(input),
  );
  audit(ctx, "patch", "User", id, { userName: rec.state.userName, active: rec.state.active, operations: ops.length });
  return answer(ctx, rec, 200, input);
}

export async function remove(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  const rec = await found(ctx, id);
  await ctx.store.deleteUser(ctx.tenant, id, ifMatchVersion(input));
  audit(ctx, "delete", "User", id, { userName: rec.state.userName });
  return { status: 204 };
}
