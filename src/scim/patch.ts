import { matchesElement } from "./filter/evaluate.js";
import { FilterError, parsePatchPath, type FilterNode, type FilterLimits, type Literal, type PatchPath } from "./filter/parser.js";
import type { AttrDef } from "./schema/attributes.js";
import { UnknownAttributeError, type ResourceType } from "./schema/resource-types.js";
import { ScimError, invalidSyntax } from "./scim-error.js";
import { clone, getCI, isEmpty, isObject, keyCI, type Json } from "./values.js";

export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export interface PatchOperation {
  op: "add" | "replace" | "remove";
  path?: string;
  value?: unknown;
}

/** Validates a PatchOp body (RFC 7644 §3.5.2); `op` is matched without case because Entra sends "Replace". */
export function parsePatchRequest(body: unknown, maxOperations: number): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax("a PATCH body must be a JSON object");
  const schemas = getCI(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`a PATCH body must list "${PATCH_SCHEMA}" in schemas`);
  }
  const ops = getCI(body, "Operations");
  if (!Array.isArray(ops)) throw invalidSyntax("a PATCH body needs an Operations array");
  if (ops.length > maxOperations) throw new ScimError("SCIM_ERR_TOO_MANY", `a PATCH may hold at most ${maxOperations} operations`);
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const op = String(getCI(raw, "op") ?? "").toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw invalidSyntax(`Operations[${i}].op must be add, replace or remove, not ${JSON.stringify(getCI(raw, "op"))}`);
    }
    const path = getCI(raw, "path");
    if (path !== undefined && path !== null && typeof path !== "string") throw invalidSyntax(`Operations[${i}].path must be a string`);
    const out: PatchOperation = { op };
    if (typeof path === "string" && path.trim() !== "") out.path = path;
    const value = getCI(raw, "value");
    if (value !== undefined) out.value = value;
    if (op !== "remove" && !("value" in out) && out.path === undefined) throw invalidSyntax(`Operations[${i}] needs a value`);
    return out;
  });
}

/**
 * Applies operations to a resource's SCIM JSON and returns the new JSON; the caller normalises and
 * validates the result as it would a PUT body, so read-only attributes written here are dropped.
 * Lenient exactly where the IdPs need it (scim-clients.md §1): a path-less value with dotted and URN
 * keys, `remove` at `members` with a value array (Entra legacy) removes only those members, a
 * non-matching filtered remove is a no-op, and add/replace on a filtered path with no match creates
 * the element (upsert) instead of failing with noTarget; a "" or null value unassigns instead.
 */
export function applyPatch(resource: Json, ops: PatchOperation[], type: ResourceType, limits?: FilterLimits): Json {
  const doc = clone(resource);
  for (const op of ops) {
    if (op.path === undefined) applyPathless(doc, op, type, limits);
    else applyAt(doc, op.op, op.path, op.value, type, limits, false);
  }
  for (const def of [...type.schema.attributes]) if (def.multiValued) keepOnePrimary(doc, def.name);
  return doc;
}

function applyPathless(doc: Json, op: PatchOperation, type: ResourceType, limits?: FilterLimits): void {
  if (op.op === "remove") throw new ScimError("SCIM_ERR_NO_TARGET", "remove needs a path");
  if (!isObject(op.value)) throw invalidSyntax(`${op.op} without a path needs an object value`);
  for (const [key, value] of Object.entries(op.value)) {
    const schema = [type.schema, ...type.extensions].find((s) => s.id.toLowerCase() === key.toLowerCase());
    if (schema && isObject(value)) {
      const prefix = schema === type.schema ? "" : `${schema.id}:`;
      for (const [k, v] of Object.entries(value)) applyAt(doc, op.op, `${prefix}${k}`, v, type, limits, true);
    } else {
      applyAt(doc, op.op, key, value, type, limits, true);
    }
  }
}

function applyAt(doc: Json, op: PatchOperation["op"], pathText: string, value: unknown, type: ResourceType, limits: FilterLimits | undefined, pathless: boolean): void {
  const ext = type.extensions.find((s) => s.id.toLowerCase() === pathText.trim().toLowerCase());
  if (ext) {
    if (op === "remove") delete doc[keyCI(doc, ext.id) ?? ext.id];
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) applyAt(doc, op, `${ext.id}:${k}`, v, type, limits, pathless);
    else throw invalidSyntax(`the value for ${ext.id} must be an object`);
    return;
  }
  let target: PatchPath;
  try {
    target = parsePatchPath(pathText, type, limits);
  } catch (err) {
    // Path-less values from IdPs carry attributes we do not model (custom mappings): ignore them, as POST does.
    if (pathless && err instanceof FilterError && err.cause instanceof UnknownAttributeError) return;
    if (err instanceof FilterError) throw new ScimError("SCIM_ERR_INVALID_PATH", err.message, { cause: err });
    throw err;
  }
  const { path } = target;
  if (path.def?.mutability === "readOnly" || path.sub?.def?.mutability === "readOnly") return;
  const container = path.container === undefined ? doc : ensureObject(doc, path.container);
  const key = keyCI(container, path.name) ?? path.name;
  // null and "" unassign (RFC 7644 §3.5.2), on plain and on filtered paths alike.
  const remove = op === "remove" || value === null || value === "";
  if (target.filter) return applyFiltered(container, key, target, remove ? "remove" : op, value);
  if (path.sub) {
    const subName = path.sub.name;
    const current = container[key];
    const holders = Array.isArray(current) ? current.filter(isObject) : [ensureObject(container, key)];
    for (const h of holders) {
      const subKey = keyCI(h, subName) ?? subName;
      if (remove) delete h[subKey];
      else h[subKey] = value;
    }
    if (isEmpty(container[key])) delete container[key];
    return;
  }
  const def = path.def;
  if (op === "remove" && def?.multiValued && !isEmpty(value)) {
    // Entra's legacy member removal: remove these values, never the whole attribute.
    const gone = new Set(asList(value).map(identity));
    const kept = asList(container[key]).filter((e) => !gone.has(identity(e)));
    if (kept.length > 0) container[key] = kept;
    else delete container[key];
    return;
  }
  if (remove) {
    delete container[key];
    return;
  }
  if (def?.multiValued) {
    container[key] = op === "add" ? mergeLists(asList(container[key]), asList(value)) : asList(value);
  } else if (def?.type === "complex" && isObject(value) && isObject(container[key])) {
    container[key] = { ...(container[key] as Json), ...value };
  } else {
    container[key] = value;
  }
}

function applyFiltered(container: Json, key: string, target: PatchPath, op: PatchOperation["op"], value: unknown): void {
  const filter = target.filter!;
  const list = asList(container[key]);
  const matched = list.filter((e) => matchesElement(e, filter));
  const sub = target.subAfterFilter;
  if (op === "remove") {
    // Never an upsert: unassigning what is not there is a no-op.
    if (sub) {
      for (const e of matched.filter(isObject)) delete e[keyCI(e, sub.name) ?? sub.name];
      // An element left with nothing but what selected it (`{type:"work"}` once its value is gone) is
      // unassigned as a whole; kept, it would be an email without an address.
      const selector = new Set(Object.keys(equalities(filter) ?? {}).map((k) => k.toLowerCase()));
      container[key] = list.filter((e) => !(matched.includes(e) && isObject(e) && onlySelector(e, selector)));
    } else {
      container[key] = list.filter((e) => !matched.includes(e));
    }
    if (isEmpty(container[key])) delete container[key];
    return;
  }
  const patchValue: Json = sub ? { [sub.name]: value } : isObject(value) ? value : { value };
  for (const e of matched.filter(isObject)) {
    for (const [k, v] of Object.entries(patchValue)) checkImmutable(e, k, v, target.path.def);
    Object.assign(e, patchValue);
  }
  if (matched.length === 0) {
    const constraints = equalities(filter);
    if (!constraints) throw new ScimError("SCIM_ERR_NO_TARGET", `no value matches the filter, and it is not a simple equality to create one from`);
    list.push({ ...constraints, ...patchValue });
    container[key] = list;
  }
}

const onlySelector = (element: Json, selector: Set<string>) =>
  Object.entries(element).every(([k, v]) => isEmpty(v) || selector.has(k.toLowerCase()) || k.toLowerCase() === "primary");

function checkImmutable(element: Json, key: string, value: unknown, parent: AttrDef | undefined): void {
  const def = parent?.subAttributes?.find((a) => a.name.toLowerCase() === key.toLowerCase());
  const current = getCI(element, key);
  if (def?.mutability === "immutable" && current !== undefined && current !== value) {
    throw new ScimError("SCIM_ERR_MUTABILITY", `${parent!.name}.${def.name} is immutable`);
  }
}

/** The `a eq "x" and b eq "y"` constraints of a filter, which describe the element an upsert creates. */
function equalities(node: FilterNode): Record<string, Literal> | undefined {
  if (node.type === "compare" && node.op === "eq" && node.path.sub) return { [node.path.sub.name]: node.value };
  if (node.type === "and") {
    const l = equalities(node.left);
    const r = equalities(node.right);
    return l && r ? { ...l, ...r } : undefined;
  }
  return undefined;
}

function mergeLists(current: unknown[], added: unknown[]): unknown[] {
  const out = [...current];
  for (const item of added) {
    const id = identity(item);
    const at = out.findIndex((e) => identity(e) === id);
    if (at < 0) out.push(item);
    else if (isObject(out[at]) && isObject(item)) out[at] = { ...(out[at] as Json), ...item };
  }
  return out;
}

/** Elements of a multi-valued attribute are the same when their `value` (or the whole element) is. */
function identity(e: unknown): string {
  if (isObject(e)) {
    const v = getCI(e, "value");
    if (v !== undefined) return `v:${JSON.stringify(v)}`;
  }
  return `j:${JSON.stringify(e)}`;
}

const asList = (v: unknown): unknown[] => (isEmpty(v) ? [] : Array.isArray(v) ? [...v] : [v]);

function ensureObject(parent: Json, name: string): Json {
  const key = keyCI(parent, name) ?? name;
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as Json;
}

/** RFC 7643 §2.4: at most one primary; the value most recently made primary wins. */
function keepOnePrimary(doc: Json, name: string): void {
  const list = doc[name];
  if (!Array.isArray(list)) return;
  const primaries = list.filter((e) => isObject(e) && (e.primary === true || String(e.primary).toLowerCase() === "true"));
  for (const e of primaries.slice(0, -1)) (e as Json).primary = false;
}
