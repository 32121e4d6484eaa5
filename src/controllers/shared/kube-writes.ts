import { randomBytes } from "node:crypto";
import { API_VERSION } from "../../api/v1alpha1/index.js";
import type { KubeClient, KubeObject } from "../../runtime/index.js";
import { isNotFound } from "../../runtime/index.js";
import type { Logger } from "../../observability/logger.js";
import { messageOf } from "../../errors.js";
import { type Kind, objectPath } from "./resources.js";

const APPLY_PATCH = "application/apply-patch+yaml";
const MERGE_PATCH = "application/merge-patch+json";

/** Component name on Events, as `kubectl describe` shows it. */
export const EVENT_SOURCE = "digicert-access-operator";
export { DEPROVISION_FINALIZER } from "../../api/v1alpha1/index.js";

export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/**
 * The controllers' writes to the Kubernetes API. Status goes through server-side apply under the
 * controllers' own field manager: it owns every status field except status.scim (the receiver's),
 * so neither side can clobber the other (DESIGN invariant 5), and a field the controller stops
 * sending is removed.
 */
export class KubeWrites {
  constructor(
    private readonly client: KubeClient,
    private readonly fieldManager: string,
    private readonly logger: Logger,
  ) {}

  /** Applies `status` (every controller-owned status field) and returns the updated object. */
  applyStatus<T extends KubeObject>(kind: Kind, namespace: string, name: string, status: Record<string, unknown>): Promise<T> {
    return this.client.request<T>({
      method: "PATCH",
      path: objectPath(kind, namespace, name, "status"),
      query: { fieldManager: this.fieldManager, force: true },
      contentType: APPLY_PATCH,
      body: { apiVersion: API_VERSION, kind, metadata: { name, namespace }, status },
    });
  }

  /**
   * Sets the object's finalizers (merge patch guarded by resourceVersion, so a concurrent change
   * makes it fail with 409 and the reconcile retries on fresh state). Undefined when the object is gone.
   */
  async setFinalizers<T extends KubeObject>(kind: Kind, obj: KubeObject, finalizers: string[]): Promise<T | undefined> {
    try {
      return await this.client.request<T>({
        method: "PATCH",
        path: objectPath(kind, obj.metadata!.namespace!, obj.metadata!.name!),
        contentType: MERGE_PATCH,
        body: { metadata: { finalizers, resourceVersion: obj.metadata!.resourceVersion } },
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Removes annotations (merge patch with null values). */
  removeAnnotations<T extends KubeObject>(kind: Kind, namespace: string, name: string, keys: string[]): Promise<T> {
    return this.client.request<T>({
      method: "PATCH",
      path: objectPath(kind, namespace, name),
      contentType: MERGE_PATCH,
      body: { metadata: { annotations: Object.fromEntries(keys.map((k) => [k, null])) } },
    });
  }

  /**
   * Records a core/v1 Event on the object. Best effort: an Event that cannot be written is logged,
   * never allowed to fail the reconcile. Messages are built by callers from codes and names only,
   * never from Secret values.
   */
  async event(obj: KubeObject, input: EventInput): Promise<void> {
    const namespace = obj.metadata?.namespace ?? "default";
    const now = new Date().toISOString();
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${obj.metadata?.name}.${randomBytes(8).toString("hex")}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? API_VERSION,
        kind: obj.kind,
        name: obj.metadata?.name,
        namespace,
        uid: obj.metadata?.uid,
        resourceVersion: obj.metadata?.resourceVersion,
      },
      type: input.type,
      reason: input.reason,
      message: input.message.slice(0, 1024),
      source: { component: EVENT_SOURCE },
      reportingComponent: EVENT_SOURCE,
      reportingInstance: EVENT_SOURCE,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.client.request({ method: "POST", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body });
    } catch (err) {
      this.logger.warn({ err: messageOf(err), reason: input.reason, name: obj.metadata?.name }, "could not record an Event");
    }
  }
}

/** JSON equality for status comparisons (key order independent, undefined fields ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
