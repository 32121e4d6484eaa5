import { API_VERSION, DEPROVISION_FINALIZER, TENANT_LABEL } from "../../api/v1alpha1/index.js";
import { APPLY_PATCH, customPath, isStatus, type KubeObject, type KubeRequester } from "./kube-api.js";

/**
 * Writes of the receiver's own objects. Status is written by server-side apply under the receiver's
 * field manager, so the fields it owns (status.scim) are replaced as a whole (an attribute the IdP
 * removed disappears) while the controller's status fields are untouched; every write carries the
 * resourceVersion it was computed from, so a concurrent writer makes it fail with 409 instead of
 * being overwritten (DESIGN.md §3 invariant 5).
 */
export class ObjectWriter {
  constructor(
    private readonly kube: KubeRequester,
    private readonly fieldManager: string,
  ) {}

  async create(kind: "DigiCertUser" | "ScimGroup", plural: string, namespace: string, name: string, tenant: string): Promise<KubeObject> {
    return this.kube.request<KubeObject>({
      method: "POST",
      path: customPath(plural, namespace),
      query: { fieldManager: this.fieldManager },
      body: {
        apiVersion: API_VERSION,
        kind,
        // A user is born with the controller's deprovision finalizer: deleted before the controller
        // saw it, it still passes through deprovisioning (which then has nothing to take back).
        metadata: { name, namespace, labels: { [TENANT_LABEL]: tenant }, ...(kind === "DigiCertUser" ? { finalizers: [DEPROVISION_FINALIZER] } : {}) },
        spec: { tenantRef: { name: tenant } },
      },
    });
  }

  /** Applies status.scim; throws a 409 error when the object changed since `resourceVersion`. */
  async applyScimStatus(kind: "DigiCertUser" | "ScimGroup", plural: string, namespace: string, name: string, resourceVersion: string, scim: unknown): Promise<KubeObject> {
    return this.kube.request<KubeObject>({
      method: "PATCH",
      path: customPath(plural, namespace, name, "status"),
      query: { fieldManager: this.fieldManager, force: true },
      contentType: APPLY_PATCH,
      body: { apiVersion: API_VERSION, kind, metadata: { name, namespace, resourceVersion }, status: { scim } },
    });
  }

  /** A fresh read from the API server (not the cache), or undefined when the object does not exist. */
  async get<T extends KubeObject>(plural: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.kube.request<T>({ path: customPath(plural, namespace, name) });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Deletes the object with these uid/resourceVersion preconditions; returns what the server answered. */
  async delete(plural: string, namespace: string, name: string, preconditions: { uid?: string; resourceVersion?: string }): Promise<KubeObject | undefined> {
    try {
      return await this.kube.request<KubeObject>({
        method: "DELETE",
        path: customPath(plural, namespace, name),
        body: { apiVersion: "v1", kind: "DeleteOptions", preconditions },
      });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects with the first failure. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
