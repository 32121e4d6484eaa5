import { matches } from "./filter/evaluate.js";
import { FilterError, parseFilter, type FilterLimits, type FilterNode } from "./filter/parser.js";
import {
  PathSyntaxError,
  UnknownAttributeError,
  parseAttrPath,
  resolvePath,
  type ResolvedPath,
  type ResourceType,
} from "./schema/resource-types.js";
import { ScimError } from "./scim-error.js";
import { getCI, isObject, type Json } from "./values.js";

export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/** A list or search request (RFC 7644 §3.4.2, §3.4.3), parsed and resolved against the resource type. */
export interface ListQuery {
  filter?: FilterNode;
  /** The raw filter, so the store can answer `userName eq "x"` from an index. */
  filterText?: string;
  startIndex: number;
  count: number;
  sortBy?: ResolvedPath;
  descending: boolean;
  attributes?: ResolvedPath[];
  excludedAttributes?: ResolvedPath[];
}

export interface ListLimits extends FilterLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

/** From query-string parameters or a SearchRequest body; unknown parameters are ignored (Entra's flags). */
export function parseListQuery(params: Record<string, unknown>, type: ResourceType, limits: ListLimits): ListQuery {
  const text = stringParam(params, "filter");
  const q: ListQuery = {
    startIndex: Math.max(1, intParam(params, "startIndex") ?? 1),
    count: Math.min(limits.maxPageSize, Math.max(0, intParam(params, "count") ?? limits.defaultPageSize)),
    descending: (stringParam(params, "sortOrder") ?? "ascending").toLowerCase() === "descending",
  };
  if (text !== undefined && text.trim() !== "") {
    try {
      q.filter = parseFilter(text, type, limits);
      q.filterText = text;
    } catch (err) {
      if (err instanceof FilterError) throw new ScimError("SCIM_ERR_INVALID_FILTER", err.message, { cause: err });
      throw err;
    }
  }
  const sortBy = stringParam(params, "sortBy");
  if (sortBy) q.sortBy = pathParam(sortBy, type, "sortBy");
  const attributes = listParam(params, "attributes");
  if (attributes) q.attributes = attributes.map((a) => pathParam(a, type, "attributes"));
  const excluded = listParam(params, "excludedAttributes");
  if (excluded) q.excludedAttributes = excluded.map((a) => pathParam(a, type, "excludedAttributes"));
  return q;
}

function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const v = getCI(params, name);
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null) return undefined;
  if (typeof first !== "string" && typeof first !== "number") throw new ScimError("SCIM_ERR_INVALID_VALUE", `${name} must be a string`);
  return String(first);
}

function intParam(params: Record<string, unknown>, name: string): number | undefined {
  const s = stringParam(params, name);
  if (s === undefined || s === "") return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new ScimError("SCIM_ERR_INVALID_VALUE", `${name} must be an integer, not ${JSON.stringify(s)}`);
  return Math.trunc(n);
}

function listParam(params: Record<string, unknown>, name: string): string[] | undefined {
  const v = getCI(params, name);
  if (v === undefined || v === null) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(","));
  const out = parts.map((s) => s.trim()).filter((s) => s !== "");
  return out.length > 0 ? out : undefined;
}

function pathParam(text: string, type: ResourceType, param: string): ResolvedPath {
  try {
    return resolvePath(parseAttrPath(text, type), type);
  } catch (err) {
    if (err instanceof PathSyntaxError || err instanceof UnknownAttributeError) {
      throw new ScimError("SCIM_ERR_INVALID_PATH", `${param}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Filters, sorts and pages rendered resources. Without sortBy the order is the store's (creation
 * time, then id), which is stable across pages as Okta's import requires.
 */
export function page(resources: Json[], q: ListQuery): { total: number; items: Json[] } {
  let hits = q.filter ? resources.filter((r) => matches(r, q.filter!)) : resources;
  if (q.sortBy) {
    const path = q.sortBy;
    const keyed = hits.map((r) => ({ r, k: sortKey(r, path) }));
    keyed.sort((a, b) => {
      // Resources without the attribute sort last in either order (RFC 7644 §3.4.2.3).
      if (a.k === undefined || b.k === undefined) return a.k === b.k ? 0 : a.k === undefined ? 1 : -1;
      const c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
      return q.descending ? -c : c;
    });
    hits = keyed.map((x) => x.r);
  }
  const start = q.startIndex - 1;
  return { total: hits.length, items: hits.slice(start, start + q.count) };
}

function sortKey(resource: Json, path: ResolvedPath): string | number | undefined {
  const container = path.container === undefined ? resource : getCI(resource, path.container);
  let v = getCI(container, path.name);
  if (Array.isArray(v)) v = v.find((e) => isObject(e) && e.primary === true) ?? v[0];
  if (path.sub || (isObject(v) && path.def?.type === "complex")) v = getCI(v, path.sub?.name ?? "value");
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  const caseExact = (path.sub?.def ?? path.def)?.caseExact ?? false;
  return caseExact ? String(v) : String(v).toLowerCase();
}

export function listResponse(items: Json[], total: number, startIndex: number): Json {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: items.length, Resources: items };
}

const COMMA = 0x2c;
const CLOSE = Buffer.from("]}");

const SLAB_BYTES = 1 << 20;
let slab = Buffer.allocUnsafe(0);
let slabUsed = 0;

/**
 * Pages are carved out of 1 MB slabs, as node pools small Buffers: a fresh 55 KB ArrayBuffer per
 * page made the garbage collector run for the external memory far more often than for the page's
 * work. A slice is never written again once handed out; a slab is freed when its last page is.
 */
function pageBuffer(size: number): Buffer {
  if (size > SLAB_BYTES / 4) return Buffer.allocUnsafe(size);
  if (slabUsed + size > slab.length) {
    slab = Buffer.allocUnsafe(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += (size + 7) & ~7;
  return out;
}

/** The same ListResponse, assembled from resources that are serialised already. */
export function listResponseJson(items: Buffer[], total: number, startIndex: number): Buffer {
  const head = `{"schemas":["${LIST_SCHEMA}"],"totalResults":${total},"startIndex":${startIndex},"itemsPerPage":${items.length},"Resources":[`;
  // One allocation and one copy per item: a 100-user page is ~55 KB, and Buffer.concat over an
  // interleaved array cost as much as looking up the page's users.
  let size = Buffer.byteLength(head) + Math.max(0, items.length - 1) + CLOSE.length;
  for (const b of items) size += b.length;
  const out = pageBuffer(size);
  let at = out.write(head, 0, "latin1");
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[at++] = COMMA;
    // TypedArray#set, not Buffer#copy: copy's argument handling cost more than the bytes.
    const item = items[i]!;
    out.set(item, at);
    at += item.length;
  }
  out.set(CLOSE, at);
  return out;
}
