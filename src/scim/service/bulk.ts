import { ScimError, invalidSyntax, scimErrorBodyOf } from "../scim-error.js";
import { getCI, isObject, type Json } from "../values.js";
import type { RequestInput, ScimContext, ScimResult } from "./context.js";
import * as groups from "./groups.js";
import * as users from "./users.js";

export const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

interface BulkOp {
  method: string;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
}

/**
 * RFC 7644 §3.7 Bulk. Operations run in order; one whose data references a `bulkId:x` that is not
 * created yet waits until it is (the RFC lets the server reorder), and references that never resolve
 * fail with 409 invalidValue (a cycle). failOnErrors stops after that many failures.
 */
export async function bulk(ctx: ScimContext, body: unknown): Promise<ScimResult> {
  if (!isObject(body)) throw invalidSyntax("a Bulk body must be a JSON object");
  const schemas = getCI(body, "schemas");
  if (!Array.isArray(schemas) || !schemas.some((s) => String(s).toLowerCase() === BULK_REQUEST.toLowerCase())) {
    throw invalidSyntax(`a Bulk body must list "${BULK_REQUEST}" in schemas`);
  }
  const raw = getCI(body, "Operations");
  if (!Array.isArray(raw)) throw invalidSyntax("a Bulk body needs an Operations array");
  if (raw.length > ctx.config.bulk.maxOperations) {
    throw new ScimError("SCIM_ERR_PAYLOAD_TOO_LARGE", `a Bulk request may hold at most ${ctx.config.bulk.maxOperations} operations`);
  }
  const failOnErrors = Number(getCI(body, "failOnErrors") ?? 0) || Infinity;
  const ops = raw.map(parseOp);
  const ids = new Map<string, string>();
  const results: (Json | undefined)[] = new Array(ops.length);
  let pending = ops.map((_, i) => i);
  let errors = 0;
  while (pending.length > 0 && errors < failOnErrors) {
    const waiting: number[] = [];
    for (const i of pending) {
      if (errors >= failOnErrors) break;
      const op = ops[i]!;
      const resolved = resolveRefs(op.data, ids);
      if (resolved.missing) {
        waiting.push(i);
        continue;
      }
      const result = await run(ctx, op, resolved.value);
      if (Number(result.status) >= 400) errors++;
      if (op.bulkId && typeof result.location === "string" && op.method === "POST") ids.set(op.bulkId, result.location.split("/").pop()!);
      results[i] = result;
    }
    if (waiting.length === pending.length) {
      for (const i of waiting) results[i] = errorResult(ops[i]!, new ScimError("SCIM_ERR_CONFLICT", "unresolvable bulkId reference (a cycle or an unknown bulkId)"));
      break;
    }
    pending = waiting;
  }
  return { status: 200, body: { schemas: [BULK_RESPONSE], Operations: results.filter((r): r is Json => r !== undefined) } };
}

function parseOp(raw: unknown, i: number): BulkOp {
  if (!isObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
  const method = String(getCI(raw, "method") ?? "").toUpperCase();
  const path = getCI(raw, "path");
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(method)) throw invalidSyntax(`Operations[${i}].method must be POST, PUT, PATCH or DELETE`);
  if (typeof path !== "string") throw invalidSyntax(`Operations[${i}].path is required`);
  const bulkId = getCI(raw, "bulkId");
  if (method === "POST" && typeof bulkId !== "string") throw invalidSyntax(`Operations[${i}] is a POST and needs a bulkId`);
  const version = getCI(raw, "version");
  return {
    method,
    path,
    ...(typeof bulkId === "string" ? { bulkId } : {}),
    ...(typeof version === "string" ? { version } : {}),
    data: getCI(raw, "data"),
  };
}

function resolveRefs(value: unknown, ids: Map<string, string>): { value: unknown; missing: boolean } {
  let missing = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string" && v.startsWith("bulkId:")) {
      const id = ids.get(v.slice(7));
      if (id === undefined) missing = true;
      return id ?? v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value);
  return { value: out, missing };
}

async function run(ctx: ScimContext, op: BulkOp, data: unknown): Promise<Json> {
  const m = /^\/(Users|Groups)(?:\/([^/]+))?$/i.exec(op.path);
  try {
    if (!m) throw new ScimError("SCIM_ERR_INVALID_PATH", `unsupported bulk path ${op.path}`);
    const svc = m[1]!.toLowerCase() === "users" ? users : groups;
    const id = m[2];
    const input: RequestInput = { query: {}, body: data, ...(op.version ? { ifMatch: op.version } : {}) };
    if ((op.method === "POST") !== (id === undefined)) throw new ScimError("SCIM_ERR_INVALID_PATH", `${op.method} ${op.path} is not a valid bulk operation`);
    const result =
      op.method === "POST"
        ? await svc.create(ctx, input)
        : op.method === "PUT"
          ? await svc.replace(ctx, id!, input)
          : op.method === "PATCH"
            ? await svc.patch(ctx, id!, input)
            : await svc.remove(ctx, id!, input);
    const location = result.location ?? (id ? `${ctx.baseUrl}/${m[1]}/${id}` : undefined);
    return {
      method: op.method,
      ...(op.bulkId ? { bulkId: op.bulkId } : {}),
      ...(result.version ? { version: `W/"${result.version}"` } : {}),
      ...(location ? { location } : {}),
      status: String(result.status),
    };
  } catch (err) {
    if (err instanceof ScimError && err.status < 500) return errorResult(op, err);
    // A failure of ours (the API server unavailable, a bug) fails this operation only: rethrown, it
    // would turn the whole response into a 5xx and hide the operations that already succeeded, which
    // the IdP would then repeat. The body says nothing about internals (no detail on 5xx); the log does.
    const failure = err instanceof ScimError ? err : new ScimError("SCIM_ERR_INTERNAL", "a bulk operation failed unexpectedly", { cause: err });
    const cause = failure.cause instanceof Error ? failure.cause : undefined;
    ctx.logger.warn({ code: failure.code, cause: cause?.message, ...(failure === err ? {} : { stack: cause?.stack }), method: op.method, bulkId: op.bulkId }, "SCIM bulk operation failed");
    return errorResult(op, failure);
  }
}

function errorResult(op: BulkOp, err: ScimError): Json {
  return { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}), status: String(err.status), response: scimErrorBodyOf(err) };
}
