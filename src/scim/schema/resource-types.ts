import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER,
  GROUP,
  USER,
  findAttr,
  type AttrDef,
  type SchemaDef,
} from "./attributes.js";

/** A SCIM resource type (RFC 7643 §6): its core schema and the extensions it accepts. */
export interface ResourceType {
  name: "User" | "Group";
  endpoint: "/Users" | "/Groups";
  description: string;
  schema: SchemaDef;
  extensions: SchemaDef[];
}

export const USER_TYPE: ResourceType = {
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  schema: USER,
  extensions: [ENTERPRISE_USER],
};

export const GROUP_TYPE: ResourceType = {
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  schema: GROUP,
  extensions: [],
};

export const RESOURCE_TYPES = [USER_TYPE, GROUP_TYPE] as const;

/** An attribute path as written: `[urn:]attr[.sub]` (RFC 7644 §3.10). */
export interface AttrPath {
  urn?: string;
  attr?: string;
  sub?: string;
}

/**
 * An attribute path matched against a resource type. `container` says where the attribute lives in
 * the SCIM JSON: at the top level (core and common attributes) or under its extension's URN key.
 * `def` is undefined for attributes of schema extensions this server does not know; those are kept
 * as sent and matched as case-insensitive strings.
 */
export interface ResolvedPath {
  container?: string;
  name: string;
  def?: AttrDef;
  sub?: { name: string; def?: AttrDef };
}

const ATTR_NAME = /^(\$ref|[A-Za-z][-\w]*)$/;

export class PathSyntaxError extends Error {}
export class UnknownAttributeError extends Error {}

/** Splits `urn:…:User:name.givenName` into its URN, attribute and sub-attribute. */
export function parseAttrPath(text: string, type: ResourceType): AttrPath {
  let rest = text;
  let urn: string | undefined;
  if (/^urn:/i.test(text)) {
    const known = [type.schema, ...type.extensions].find(
      (s) => text.toLowerCase() === s.id.toLowerCase() || text.toLowerCase().startsWith(`${s.id.toLowerCase()}:`),
    );
    if (known) {
      urn = known.id;
      rest = text.slice(known.id.length + 1);
    } else {
      const colon = text.lastIndexOf(":");
      urn = text.slice(0, colon);
      rest = text.slice(colon + 1);
    }
    if (rest === "") return { urn };
  }
  const parts = rest.split(".");
  if (parts.length > 2 || !parts.every((p) => ATTR_NAME.test(p))) {
    throw new PathSyntaxError(`"${text}" is not a valid attribute path`);
  }
  return { ...(urn ? { urn } : {}), attr: parts[0], ...(parts[1] !== undefined ? { sub: parts[1] } : {}) };
}

/** Resolves a parsed path to canonical names and definitions, or throws UnknownAttributeError. */
export function resolvePath(path: AttrPath, type: ResourceType): ResolvedPath {
  if (path.attr === undefined) throw new UnknownAttributeError(`a path needs an attribute after "${path.urn}"`);
  const core = path.urn === undefined || path.urn === type.schema.id;
  const ext = type.extensions.find((s) => s.id === path.urn);
  let def: AttrDef | undefined;
  let container: string | undefined;
  if (core) {
    def = findAttr(COMMON_ATTRIBUTES, path.attr) ?? findAttr(type.schema.attributes, path.attr);
    if (!def && path.urn === undefined) {
      // Entra filters on `manager` without the enterprise URN (ENTRA-TUT example 4).
      const owner = type.extensions.find((s) => findAttr(s.attributes, path.attr!));
      if (owner) return resolvePath({ ...path, urn: owner.id }, type);
    }
    if (!def) throw new UnknownAttributeError(`"${path.attr}" is not an attribute of ${type.name}`);
  } else if (ext) {
    container = ext.id;
    def = findAttr(ext.attributes, path.attr);
    if (!def) throw new UnknownAttributeError(`"${path.attr}" is not an attribute of ${ext.id}`);
  } else {
    container = path.urn;
  }
  const name = def?.name ?? path.attr;
  if (path.sub === undefined) return { ...(container ? { container } : {}), name, ...(def ? { def } : {}) };
  let subDef: AttrDef | undefined;
  if (def) {
    subDef = findAttr(def.subAttributes, path.sub);
    if (!subDef) throw new UnknownAttributeError(`"${path.sub}" is not a sub-attribute of ${def.name}`);
  }
  return {
    ...(container ? { container } : {}),
    name,
    ...(def ? { def } : {}),
    sub: { name: subDef?.name ?? path.sub, ...(subDef ? { def: subDef } : {}) },
  };
}

/** Resolves a sub-attribute name inside a value filter (`emails[type eq "work"]`). */
export function resolveSub(parent: ResolvedPath, name: string): { name: string; def?: AttrDef } {
  if (!parent.def) return { name };
  const def = findAttr(parent.def.subAttributes, name);
  if (!def) throw new UnknownAttributeError(`"${name}" is not a sub-attribute of ${parent.def.name}`);
  return { name: def.name, def };
}

export const schemaIdsOf = (type: ResourceType) => [type.schema.id, ...type.extensions.map((s) => s.id)];
