import { API_VERSION, GROUP, VERSION } from "../../api/v1alpha1/index.js";
import type { KubeObject } from "../../runtime/kube-client.js";
import { ScimError } from "../scim-error.js";

export type { KubeObject };

/**
 * The two things the store needs from the runtime: a JSON request function and object caches fed by
 * list + watch (src/runtime/informer.ts). Declared structurally so the store states exactly what it
 * relies on.
 */
export interface KubeRequester {
  request<T>(spec: {
    method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    path: string;
    query?: Record<string, string | number | boolean | undefined>;
    body?: unknown;
    contentType?: string;
  }): Promise<T>;
}

export interface ObjectCache<T extends KubeObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  addIndex(name: string, fn: (obj: T) => string[]): void;
  byIndex(name: string, value: string): T[];
  applyWrite(obj: KubeObject): T;
  on(event: "add" | "delete", handler: (obj: T) => void): () => void;
  on(event: "update", handler: (oldObj: T, newObj: T) => void): () => void;
  start(): void;
  stop(): Promise<void>;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
}

export const APPLY_PATCH = "application/apply-patch+yaml";

export const customPath = (plural: string, namespace?: string, name?: string, sub?: string) =>
  `/apis/${GROUP}/${VERSION}${namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`}/${plural}` +
  (name === undefined ? "" : `/${encodeURIComponent(name)}`) +
  (sub === undefined ? "" : `/${sub}`);

export const corePath = (plural: string, namespace: string, name?: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/${plural}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;

/** HTTP status of a failed Kubernetes request (RuntimeError.statusCode, ApiException.code). */
export function statusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== "object") return undefined;
  const e = err as { statusCode?: unknown; code?: unknown };
  if (typeof e.statusCode === "number") return e.statusCode;
  if (typeof e.code === "number") return e.code;
  return undefined;
}

export const isStatus = (err: unknown, status: number) => statusOf(err) === status;

/**
 * A failed Kubernetes call as the IdP should see it: a value the API server refuses (422, 413) is
 * the client's to fix and answers 4xx; anything else becomes 503 with Retry-After, so IdPs retry.
 */
export function unavailable(what: string, cause: unknown): ScimError {
  const status = statusOf(cause);
  if (status === 422) return new ScimError("SCIM_ERR_INVALID_VALUE", `${what}: the Kubernetes API refused the value`, { cause });
  if (status === 413) return new ScimError("SCIM_ERR_PAYLOAD_TOO_LARGE", `${what}: the resource is too large to store`, { cause });
  return new ScimError("SCIM_ERR_UNAVAILABLE", `${what} failed`, { cause, headers: { "retry-after": "5" } });
}

export { API_VERSION };
