import {
  PathSyntaxError,
  UnknownAttributeError,
  parseAttrPath,
  resolvePath,
  resolveSub,
  type ResolvedPath,
  type ResourceType,
} from "../schema/resource-types.js";
import { FilterSyntaxError, tokenize, type Token } from "./tokenizer.js";

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type Literal = string | number | boolean | null;

/**
 * A parsed filter. Paths are resolved against the resource type, so evaluation never guesses an
 * attribute's type or caseExact. Inside a value filter (`emails[type eq "work"]`) the nodes' paths
 * carry the multi-valued attribute in `name` and the element's sub-attribute in `sub`, and are
 * evaluated per element, which is what correlates `type` and `value` on the same email.
 */
export type FilterNode =
  | { type: "and" | "or"; left: FilterNode; right: FilterNode }
  | { type: "not"; expr: FilterNode }
  | { type: "compare"; path: ResolvedPath; op: CompareOp; value: Literal }
  | { type: "present"; path: ResolvedPath }
  | { type: "valuePath"; path: ResolvedPath; filter: FilterNode };

export interface FilterLimits {
  maxLength: number;
  maxDepth: number;
}

const DEFAULT_LIMITS: FilterLimits = { maxLength: 4096, maxDepth: 32 };
const COMPARE_OPS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);

export class FilterError extends Error {}

/** Parses a filter for `type`; throws FilterError (→ 400 invalidFilter) on anything it cannot read. */
export function parseFilter(text: string, type: ResourceType, limits: FilterLimits = DEFAULT_LIMITS): FilterNode {
  if (text.length > limits.maxLength) throw new FilterError(`filter is longer than ${limits.maxLength} characters`);
  return wrapErrors(() => {
    const parser = new Parser(tokenize(text), type, limits.maxDepth);
    const node = parser.orExpr(undefined);
    parser.expectEnd();
    return node;
  });
}

/** A PATCH path (RFC 7644 §3.5.2): `attrPath`, or `attr[valFilter]` optionally followed by `.sub`. */
export interface PatchPath {
  path: ResolvedPath;
  filter?: FilterNode;
  /** The sub-attribute after a value filter: `emails[type eq "work"].value`. */
  subAfterFilter?: { name: string; def?: import("../schema/attributes.js").AttrDef };
}

export function parsePatchPath(text: string, type: ResourceType, limits: FilterLimits = DEFAULT_LIMITS): PatchPath {
  if (text.length > limits.maxLength) throw new FilterError(`path is longer than ${limits.maxLength} characters`);
  return wrapErrors(() => {
    const open = text.indexOf("[");
    if (open < 0) return { path: resolvePath(parseAttrPath(text.trim(), type), type) };
    const close = text.lastIndexOf("]");
    if (close < open) throw new FilterSyntaxError(`unbalanced "[" in path "${text}"`);
    const path = resolvePath(parseAttrPath(text.slice(0, open).trim(), type), type);
    if (path.sub) throw new FilterSyntaxError(`a value filter applies to an attribute, not to "${path.name}.${path.sub.name}"`);
    const parser = new Parser(tokenize(text.slice(open + 1, close)), type, limits.maxDepth);
    const filter = parser.orExpr(path);
    parser.expectEnd();
    const tail = text.slice(close + 1).trim();
    if (tail === "") return { path, filter };
    if (!/^\.(\$ref|[A-Za-z][-\w]*)$/.test(tail)) throw new FilterSyntaxError(`unexpected "${tail}" after "]"`);
    return { path, filter, subAfterFilter: resolveSub(path, tail.slice(1)) };
  });
}

function wrapErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FilterSyntaxError || err instanceof PathSyntaxError || err instanceof UnknownAttributeError) {
      throw new FilterError(err.message, { cause: err });
    }
    throw err;
  }
}

class Parser {
  #pos = 0;
  #depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly type: ResourceType,
    private readonly maxDepth: number,
  ) {}

  expectEnd(): void {
    const t = this.tokens[this.#pos];
    if (t) throw new FilterSyntaxError(`unexpected ${describe(t)} at position ${t.pos}`);
  }

  /** `element` is set inside a value filter: paths there are sub-attributes of that attribute. */
  orExpr(element: ResolvedPath | undefined): FilterNode {
    if (++this.#depth > this.maxDepth) throw new FilterSyntaxError(`filter is nested more than ${this.maxDepth} levels deep`);
    let left = this.andExpr(element);
    while (this.#keyword("or")) left = { type: "or", left, right: this.andExpr(element) };
    this.#depth--;
    return left;
  }

  andExpr(element: ResolvedPath | undefined): FilterNode {
    let left = this.unary(element);
    while (this.#keyword("and")) left = { type: "and", left, right: this.unary(element) };
    return left;
  }

  unary(element: ResolvedPath | undefined): FilterNode {
    if (this.#keyword("not")) {
      this.#expect("lparen");
      const expr = this.orExpr(element);
      this.#expect("rparen");
      return { type: "not", expr };
    }
    if (this.#peek()?.kind === "lparen") {
      this.#pos++;
      const expr = this.orExpr(element);
      this.#expect("rparen");
      return expr;
    }
    return this.attrExpr(element);
  }

  attrExpr(element: ResolvedPath | undefined): FilterNode {
    const t = this.#next();
    if (t?.kind !== "word") throw new FilterSyntaxError(`expected an attribute path, found ${describe(t)}`);
    const path = element ? { ...element, sub: resolveSub(element, t.value) } : resolvePath(parseAttrPath(t.value, this.type), this.type);
    if (this.#peek()?.kind === "lbracket") {
      if (element) throw new FilterSyntaxError(`value filters cannot be nested (position ${t.pos})`);
      if (path.sub) throw new FilterSyntaxError(`a value filter applies to an attribute, not to a sub-attribute (position ${t.pos})`);
      this.#pos++;
      const inner = this.orExpr(path);
      this.#expect("rbracket");
      const after = this.#peek();
      // `emails[type eq "work"].value eq "x"` (Entra): one more condition on the same element.
      if (after?.kind === "word" && after.value.startsWith(".")) {
        this.#pos++;
        const sub = { ...path, sub: resolveSub(path, after.value.slice(1)) };
        return { type: "valuePath", path, filter: { type: "and", left: inner, right: this.#condition(sub) } };
      }
      return { type: "valuePath", path, filter: inner };
    }
    return this.#condition(path);
  }

  #condition(path: ResolvedPath): FilterNode {
    const opToken = this.#next();
    if (opToken?.kind !== "word") throw new FilterSyntaxError(`expected an operator, found ${describe(opToken)}`);
    const op = opToken.value.toLowerCase();
    if (op === "pr") return { type: "present", path };
    if (!COMPARE_OPS.has(op)) throw new FilterSyntaxError(`unknown operator "${opToken.value}" at position ${opToken.pos}`);
    const value = this.#literal();
    checkOperator(path, op as CompareOp, value, opToken.pos);
    return { type: "compare", path, op: op as CompareOp, value };
  }

  #literal(): Literal {
    const t = this.#next();
    if (t?.kind === "string" || t?.kind === "number") return t.value;
    if (t?.kind === "word") {
      const w = t.value.toLowerCase();
      if (w === "true") return true;
      if (w === "false") return false;
      if (w === "null") return null;
    }
    throw new FilterSyntaxError(`expected a value (a quoted string, number, true, false or null), found ${describe(t)}`);
  }

  #keyword(word: string): boolean {
    const t = this.tokens[this.#pos];
    if (t?.kind === "word" && t.value.toLowerCase() === word) {
      this.#pos++;
      return true;
    }
    return false;
  }

  #expect(kind: Token["kind"]): void {
    const t = this.#next();
    if (t?.kind !== kind) throw new FilterSyntaxError(`expected ${kindName[kind]}, found ${describe(t)}`);
  }

  #peek(): Token | undefined {
    return this.tokens[this.#pos];
  }

  #next(): Token | undefined {
    return this.tokens[this.#pos++];
  }
}

/** RFC 7644 §3.4.2.2: ordering and substring operators make no sense on booleans. */
function checkOperator(path: ResolvedPath, op: CompareOp, value: Literal, pos: number): void {
  const type = (path.sub?.def ?? path.def)?.type;
  if (type === "boolean" && op !== "eq" && op !== "ne") {
    throw new FilterSyntaxError(`"${op}" cannot compare the boolean attribute at position ${pos}; use eq or ne`);
  }
  if ((op === "co" || op === "sw" || op === "ew") && typeof value !== "string") {
    throw new FilterSyntaxError(`"${op}" needs a string value (position ${pos})`);
  }
  if ((op === "gt" || op === "ge" || op === "lt" || op === "le") && (typeof value === "boolean" || value === null)) {
    throw new FilterSyntaxError(`"${op}" needs a string or number value (position ${pos})`);
  }
}

const kindName: Record<Token["kind"], string> = {
  lparen: '"("',
  rparen: '")"',
  lbracket: '"["',
  rbracket: '"]"',
  string: "a string",
  number: "a number",
  word: "a word",
};

function describe(t: Token | undefined): string {
  if (!t) return "the end of the filter";
  if (t.kind === "word") return `"${t.value}"`;
  if (t.kind === "string") return `the string ${JSON.stringify(t.value)}`;
  if (t.kind === "number") return `the number ${t.value}`;
  return kindName[t.kind];
}
