/** Small helpers over SCIM JSON values, which arrive with attribute names in any case. */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** The key of `obj` that matches `name` without regard to case (RFC 7643 §2.1). */
export function keyCI(obj: unknown, name: string): string | undefined {
  if (!isObject(obj)) return undefined;
  if (name in obj) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

export function getCI(obj: unknown, name: string): unknown {
  const key = keyCI(obj, name);
  return key === undefined ? undefined : (obj as Json)[key];
}

/** Unassigned in SCIM's sense: null, "" (Entra clears with it), [] and {} carry no value (RFC 7643 §2.5). */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) return Object.values(v).every(isEmpty);
  return false;
}

/** Booleans as Entra sends them: true, "True", "false" (scimmy#86, pingidentity/scim2#239). */
export function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const lower = v.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  return undefined;
}

/** JSON nesting depth, without recursion, so a hostile body cannot exhaust the stack. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) max = depth;
    for (const child of Object.values(v as Json)) stack.push([child, depth + 1]);
  }
  return max;
}

export const clone = <T>(v: T): T => structuredClone(v);
