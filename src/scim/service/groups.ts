import { applyPatch, parsePatchRequest } from "../patch.js";
import { wantsAttribute } from "../projection.js";
import { listResponseJson, page, parseListQuery, type ListQuery } from "../query.js";
import { groupAttributesFrom, renderGroup, type GroupRecord } from "../resources/group.js";
import { GROUP_TYPE } from "../schema/resource-types.js";
import type { Json } from "../values.js";
import type { Rendered } from "./render-cache.js";
import { audit, ifMatchVersion, listLimits, mustExist, notModified, projected, renderContext, resourceBody, type RequestInput, type ScimContext, type ScimResult } from "./context.js";

/** Members come from the users' index (a group of 100,000 is allowed): built only when the answer or the selection needs them. */
const needsMembers = (q: ListQuery) => wantsAttribute("members", q.attributes, q.excludedAttributes) || selectsByMembers(q);

/** Whether the filter or sortBy reads members, so the page cannot be chosen without them. */
const selectsByMembers = (q: ListQuery) => /members/i.test(q.filterText ?? "") || q.sortBy?.name.toLowerCase() === "members";

function render(ctx: ScimContext, rec: GroupRecord, withMembers: boolean): Json {
  return renderGroup(rec, withMembers ? ctx.store.groupMembers(ctx.tenant, rec.id) : undefined, renderContext(ctx));
}


/**
 * Filters, sorts and pages the tenant's groups. Unless the filter or sortBy reads members, the page
 * is chosen first and members are built for its groups only: Okta's `GET /Groups?count=100` would
 * otherwise build every membership of the tenant for each page.
 */
export function listGroups(ctx: ScimContext, q: ListQuery): { total: number; items: Rendered[] } {
  const groups = ctx.store.listGroups(ctx.tenant);
  if (selectsByMembers(q)) {
    const { total, items } = page(groups.map((g) => render(ctx, g, true)), q);
    return { total, items: items.map((r) => projected(r, q)) };
  }
  let total: number;
  let chosen: GroupRecord[];
  if (!q.filter && !q.sortBy) {
    total = groups.length;
    chosen = groups.slice(q.startIndex - 1, q.startIndex - 1 + q.count);
  } else {
    const lean = groups.map((g) => render(ctx, g, false));
    const byObj = new Map(lean.map((r, i) => [r, groups[i]!]));
    const paged = page(lean, q);
    total = paged.total;
    chosen = paged.items.map((r) => byObj.get(r)!);
  }
  const withMembers = needsMembers(q);
  return { total, items: chosen.map((g) => projected(render(ctx, g, withMembers), q)) };
}

export function list(ctx: ScimContext, input: RequestInput): ScimResult {
  const q = parseListQuery(input.query, GROUP_TYPE, listLimits(ctx.config));
  const { total, items } = listGroups(ctx, q);
  return { status: 200, json: listResponseJson(items.map((i) => i.json), total, q.startIndex) };
}

const found = async (ctx: ScimContext, id: string): Promise<GroupRecord> => mustExist(await ctx.store.fetchGroup(ctx.tenant, id), "Group", id);

function answer(ctx: ScimContext, rec: GroupRecord, status: number, input: RequestInput): ScimResult {
  const q = parseListQuery(input.query, GROUP_TYPE, listLimits(ctx.config));
  const body = render(ctx, rec, needsMembers(q));
  const out = projected(body, q);
  return { status, body: out.obj, json: out.json, location: (body.meta as Json).location as string, version: rec.version };
}

export async function get(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  const rec = await found(ctx, id);
  return notModified(rec.version, input) ?? answer(ctx, rec, 200, input);
}

export async function create(ctx: ScimContext, input: RequestInput): Promise<ScimResult> {
  const attrs = groupAttributesFrom(resourceBody(input.body, GROUP_TYPE, ctx.config));
  const { record, replayed } = await ctx.store.createGroup(ctx.tenant, attrs);
  audit(ctx, replayed ? "create-replayed" : "create", "Group", record.id, { displayName: record.state.displayName, members: attrs.members?.length ?? 0 });
  return answer(ctx, record, 201, input);
}

/** PUT replaces displayName, externalId and the membership (Okta AIW pushes the full member list). */
export async function replace(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  await found(ctx, id);
  const attrs = groupAttributesFrom(resourceBody(input.body, GROUP_TYPE, ctx.config));
  const rec = await ctx.store.updateGroup(ctx.tenant, id, () => ({ ...attrs, members: attrs.members ?? [] }), ifMatchVersion(input));
  audit(ctx, "replace", "Group", id, { displayName: rec.state.displayName, members: attrs.members?.length ?? 0 });
  return answer(ctx, rec, 200, input);
}

/**
 * PATCH answers 204 (Entra expects it for groups, Okta accepts it) unless the client asked for
 * attributes, which saves rendering a large member list after every membership change.
 */
export async function patch(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  await found(ctx, id);
  const ops = parsePatchRequest(input.body, ctx.config.maxPatchOperations);
  const limits = listLimits(ctx.config);
  const rec = await ctx.store.updateGroup(
    ctx.tenant,
    id,
    (current, members) => {
      const doc = renderGroup(current, members, renderContext(ctx));
      return groupAttributesFrom(applyPatch(doc, ops, GROUP_TYPE, limits), { patched: true });
    },
    ifMatchVersion(input),
  );
  audit(ctx, "patch", "Group", id, { displayName: rec.state.displayName, operations: ops.length });
  const asked = Object.keys(input.query).some((k) => /^(excluded)?attributes$/i.test(k));
  return asked ? answer(ctx, rec, 200, input) : { status: 204, version: rec.version };
}

export async function remove(ctx: ScimContext, id: string, input: RequestInput): Promise<ScimResult> {
  const rec = await found(ctx, id);
  await ctx.store.deleteGroup(ctx.tenant, id, ifMatchVersion(input));
  audit(ctx, "delete", "Group", id, { displayName: rec.state.displayName });
  return { status: 204 };
}
