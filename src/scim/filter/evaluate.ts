import type { AttrDef } from "../schema/attributes.js";
import type { ResolvedPath } from "../schema/resource-types.js";
import { getCI, isEmpty, toBoolean } from "../values.js";
import type { CompareOp, FilterNode, Literal } from "./parser.js";

type Json = Record<string, unknown>;

/** Whether a SCIM resource (as returned to clients) matches the filter. */
export function matches(resource: Json, node: FilterNode): boolean {
  return evalNode(node, resource, false);
}

/** Whether one element of a multi-valued attribute matches a value filter (PATCH `emails[type eq "work"]`). */
export function matchesElement(element: unknown, node: FilterNode): boolean {
  return evalNode(node, element, true);
}

/** `element` mode evaluates the nodes of a value filter against one element of a multi-valued attribute. */
function evalNode(node: FilterNode, target: unknown, element: boolean): boolean {
  switch (node.type) {
    case "and":
      return evalNode(node.left, target, element) && evalNode(node.right, target, element);
    case "or":
      return evalNode(node.left, target, element) || evalNode(node.right, target, element);
    case "not":
      return !evalNode(node.expr, target, element);
    case "present":
      return present(target, node.path, element);
    case "compare": {
      // `eq null` / `ne null` ask whether the attribute is unassigned, the negation of `pr`.
      if (node.value === null) return node.op === "ne" ? present(target, node.path, element) : node.op === "eq" && !present(target, node.path, element);
      const values = valuesOf(target, node.path, element, false);
      const def = comparedDef(node.path);
      if (node.op === "ne") return !values.some((v) => compare(v, "eq", node.value, def));
      return values.some((v) => compare(v, node.op, node.value, def));
    }
    case "valuePath": {
      const elements = elementsOf(target as Json, node.path);
      return elements.some((e) => evalNode(node.filter, e, true));
    }
  }
}

function containerOf(resource: Json, path: ResolvedPath): unknown {
  return path.container === undefined ? resource : getCI(resource, path.container);
}

function elementsOf(resource: Json, path: ResolvedPath): unknown[] {
  const v = getCI(containerOf(resource, path), path.name);
  if (isEmpty(v)) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * RFC 7644 §3.4.2.2 `pr`: a non-empty value, or for a complex attribute a node with at least one
 * non-empty sub-attribute (so `name pr` and `addresses pr` look at the whole node, not at a `value`
 * sub-attribute that name and addresses do not have).
 */
const present = (target: unknown, path: ResolvedPath, element: boolean) => valuesOf(target, path, element, true).length > 0;

/**
 * The values a condition compares: non-empty, flattened over multi-valued attributes. `whole` keeps
 * complex values as nodes; otherwise a complex attribute without a sub-attribute stands for its
 * `value` (`emails co "x"`, `manager eq "id"`).
 */
function valuesOf(target: unknown, path: ResolvedPath, element: boolean, whole: boolean): unknown[] {
  let values: unknown[];
  if (element) {
    const sub = path.sub?.name ?? "value";
    values = [target !== null && typeof target === "object" ? getCI(target, sub) : sub === "value" ? target : undefined];
  } else {
    const elements = elementsOf(target as Json, path);
    // A complex attribute compared without a sub-attribute compares its "value" (RFC 7644 §3.4.2.2).
    const sub = path.sub?.name ?? (path.def?.type === "complex" && !whole ? "value" : undefined);
    values = sub === undefined ? elements : elements.map((e) => (e !== null && typeof e === "object" ? getCI(e, sub) : undefined));
  }
  return values.flat().filter((v) => !isEmpty(v));
}

function comparedDef(path: ResolvedPath): AttrDef | undefined {
  if (path.sub) return path.sub.def;
  if (path.def?.type === "complex") return path.def.subAttributes?.find((a) => a.name === "value");
  return path.def;
}

function compare(actual: unknown, op: CompareOp, literal: Literal, def: AttrDef | undefined): boolean {
  const type = def?.type ?? (typeof actual === "boolean" ? "boolean" : typeof actual === "number" ? "decimal" : "string");
  if (type === "boolean") {
    const a = toBoolean(actual);
    const b = toBoolean(literal);
    return a !== undefined && b !== undefined && op === "eq" && a === b;
  }
  if (type === "integer" || type === "decimal") return ordered(Number(actual), op, Number(literal));
  if (type === "dateTime") {
    const a = Date.parse(String(actual));
    const b = Date.parse(String(literal));
    return !Number.isNaN(a) && !Number.isNaN(b) && ordered(a, op, b);
  }
  if (typeof literal !== "string") return false;
  const caseExact = def?.caseExact ?? false;
  const a = caseExact ? String(actual) : String(actual).toLowerCase();
  const b = caseExact ? literal : literal.toLowerCase();
  switch (op) {
    case "co":
      return a.includes(b);
    case "sw":
      return a.startsWith(b);
    case "ew":
      return a.endsWith(b);
    default:
      return ordered(a, op, b);
  }
}

function ordered<T extends number | string>(a: T, op: CompareOp, b: T): boolean {
  switch (op) {
    case "eq":
      return a === b;
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
    default:
      return false;
  }
}
