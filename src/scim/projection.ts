import type { ResolvedPath } from "./schema/resource-types.js";
import { isObject, keyCI, type Json } from "./values.js";

/** Attributes returned whatever the client asks (RFC 7643 §7 "returned: always"). */
const ALWAYS = new Set(["schemas", "id"]);

/**
 * RFC 7644 §3.9 attributes / excludedAttributes on an already rendered resource. `attributes`
 * returns only what is named (plus id and schemas); `excludedAttributes` drops what is named.
 */
export function project(resource: Json, attributes?: ResolvedPath[], excluded?: ResolvedPath[]): Json {
  if (attributes && attributes.length > 0) {
    const out: Json = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
    for (const path of attributes) copyPath(resource, out, path);
    return out;
  }
  if (excluded && excluded.length > 0) {
    const out = { ...resource };
    for (const path of excluded) removePath(out, path);
    return out;
  }
  return resource;
}

function copyPath(from: Json, to: Json, path: ResolvedPath): void {
  let src: unknown = from;
  let dst: Json = to;
  if (path.container !== undefined) {
    const ck = keyCI(from, path.container);
    if (ck === undefined) return;
    src = from[ck];
    dst = isObject(to[ck]) ? (to[ck] as Json) : (to[ck] = {});
  }
  const key = keyCI(src, path.name);
  if (key === undefined) return;
  const value = (src as Json)[key];
  if (!path.sub) {
    dst[key] = value;
    return;
  }
  const sub = path.sub.name;
  const pick = (e: unknown) => {
    const k = keyCI(e, sub);
    return k === undefined ? {} : { [k]: (e as Json)[k] };
  };
  if (Array.isArray(value)) {
    const prev = Array.isArray(dst[key]) ? (dst[key] as Json[]) : value.map(() => ({}));
    dst[key] = value.map((e, i) => ({ ...prev[i], ...pick(e) }));
  } else if (isObject(value)) {
    dst[key] = { ...(isObject(dst[key]) ? (dst[key] as Json) : {}), ...pick(value) };
  }
}

function removePath(out: Json, path: ResolvedPath): void {
  if (!path.sub && path.container === undefined && ALWAYS.has(path.name)) return;
  let target: Json = out;
  if (path.container !== undefined) {
    const ck = keyCI(out, path.container);
    if (ck === undefined || !isObject(out[ck])) return;
    target = out[ck] = { ...(out[ck] as Json) };
  }
  const key = keyCI(target, path.name);
  if (key === undefined) return;
  if (!path.sub) {
    delete target[key];
    return;
  }
  const sub = path.sub.name;
  const strip = (e: unknown) => {
    if (!isObject(e)) return e;
    const copy = { ...e };
    const k = keyCI(copy, sub);
    if (k !== undefined) delete copy[k];
    return copy;
  };
  const value = target[key];
  target[key] = Array.isArray(value) ? value.map(strip) : strip(value);
}

/** Whether a projection will drop `members`, so the caller can skip building a large member list. */
export function wantsAttribute(name: string, attributes?: ResolvedPath[], excluded?: ResolvedPath[]): boolean {
  const lower = name.toLowerCase();
  if (attributes && attributes.length > 0) return attributes.some((p) => p.container === undefined && p.name.toLowerCase() === lower);
  if (excluded) return !excluded.some((p) => p.container === undefined && !p.sub && p.name.toLowerCase() === lower);
  return true;
}
