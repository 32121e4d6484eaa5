import type { AttrDef } from "../schema/attributes.js";
import type { ResourceType } from "../schema/resource-types.js";
import { findAttr } from "../schema/attributes.js";
import { invalidValue } from "../scim-error.js";
import { isEmpty, isObject, toBoolean, type Json } from "../values.js";

/**
 * Client JSON → canonical attributes. Attribute names are matched without regard to case and
 * rewritten to their canonical spelling; booleans arrive as strings from Entra; null and "" mean
 * unassigned; read-only attributes (id, meta, groups) and the write-only password Okta sends on
 * create are dropped, never stored. Attributes of schema extensions this server does not know are
 * kept as sent under their URN. Unknown core attributes are ignored (RFC 7644 §3.3 lets the
 * service provider ignore what it does not support).
 */
export interface Normalized {
  core: Json;
  /** Known extensions' attributes, keyed by schema URN. */
  extensions: Record<string, Json>;
  /** Unknown extensions, kept as sent. */
  unknown: Record<string, unknown>;
}

export function normalizeResource(input: Json, type: ResourceType): Normalized {
  const out: Normalized = { core: {}, extensions: {}, unknown: {} };
  for (const [key, value] of Object.entries(input)) {
    if (/^urn:/i.test(key)) {
      const lower = key.toLowerCase();
      if (lower === type.schema.id.toLowerCase()) {
        if (!isObject(value)) throw invalidValue(`"${key}" must be an object`);
        Object.assign(out.core, normalizeAttributes(value, type.schema.attributes, key));
        continue;
      }
      const ext = type.extensions.find((s) => s.id.toLowerCase() === lower);
      if (ext) {
        if (isEmpty(value)) continue;
        if (!isObject(value)) throw invalidValue(`"${key}" must be an object`);
        const attrs = normalizeAttributes(value, ext.attributes, ext.id);
        if (Object.keys(attrs).length > 0) out.extensions[ext.id] = attrs;
      } else if (!isEmpty(value)) {
        if (!isObject(value)) throw invalidValue(`"${key}" must be an object of that schema's attributes`);
        out.unknown[key] = value;
      }
      continue;
    }
    const lower = key.toLowerCase();
    if (lower === "schemas" || lower === "id" || lower === "meta") continue;
    if (lower === "externalid") {
      if (!isEmpty(value)) out.core.externalId = scalar(value, { type: "string" } as AttrDef, "externalId");
      continue;
    }
    const def = findAttr(type.schema.attributes, key);
    if (!def) continue;
    const v = normalizeValue(value, def, def.name);
    if (v !== undefined) out.core[def.name] = v;
  }
  return out;
}

export function normalizeAttributes(input: Json, defs: AttrDef[], where: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(input)) {
    const def = findAttr(defs, key);
    if (!def) continue;
    const v = normalizeValue(value, def, `${where}.${def.name}`);
    if (v !== undefined) out[def.name] = v;
  }
  return out;
}

/** A value for one attribute, or undefined when it is unassigned or may not be written. */
export function normalizeValue(value: unknown, def: AttrDef, where: string): unknown {
  if (def.mutability === "readOnly" || def.mutability === "writeOnly") return undefined;
  if (isEmpty(value)) return undefined;
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : [value];
    const items = list.map((item, i) => single(item, def, `${where}[${i}]`)).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  // Entra's legacy manager shape wraps the single value in a list: [{"$ref":null,"value":"id"}].
  if (Array.isArray(value)) {
    if (value.length !== 1) throw invalidValue(`"${where}" takes a single value, not a list`);
    return single(value[0], def, where);
  }
  return single(value, def, where);
}

function single(value: unknown, def: AttrDef, where: string): unknown {
  if (isEmpty(value)) return undefined;
  if (def.type === "complex") {
    // A bare string for a complex attribute with a value sub-attribute (Entra: manager = "id").
    if (typeof value === "string" && def.subAttributes?.some((a) => a.name === "value")) return { value };
    if (!isObject(value)) throw invalidValue(`"${where}" must be an object`);
    const obj = normalizeAttributes(value, def.subAttributes ?? [], where);
    return Object.keys(obj).length > 0 ? obj : undefined;
  }
  return scalar(value, def, where);
}

function scalar(value: unknown, def: Pick<AttrDef, "type">, where: string): unknown {
  switch (def.type) {
    case "boolean": {
      const b = toBoolean(value);
      if (b === undefined) throw invalidValue(`"${where}" must be a boolean, got ${JSON.stringify(value)}`);
      return b;
    }
    case "integer":
    case "decimal": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n) || (def.type === "integer" && !Number.isInteger(n))) {
        throw invalidValue(`"${where}" must be a number`);
      }
      return n;
    }
    case "dateTime":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw invalidValue(`"${where}" must be a date-time`);
      return value;
    default:
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      if (typeof value !== "string") throw invalidValue(`"${where}" must be a string`);
      return value;
  }
}
