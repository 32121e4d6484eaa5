import { createHash } from "node:crypto";
import { corePath, isStatus, type KubeObject, type KubeRequester } from "./kube-api.js";
import { TENANT_LABEL } from "../../api/v1alpha1/index.js";

/**
 * Uniqueness claims. The API server refuses a second object of the same name, so a ConfigMap named
 * by a hash of (tenant, kind, lower-cased value) arbitrates concurrent creates on any number of
 * replicas: whoever creates the claim owns the value (DESIGN.md §3 invariant 2). A claim names the
 * resource that holds it; a claim whose resource is gone or being deleted is stale and is replaced,
 * which is how a crash between two writes never blocks the IdP's retry. ConfigMaps rather than a new
 * kind: they need no CRD, and the operator's Role already covers them.
 */
export interface Claim {
  name: string;
  resourceVersion: string;
  /** The SCIM id of the resource that holds the value. */
  id: string;
  /** When the claim was made (the API server's second-precision creationTimestamp), in ms. */
  createdAt: number;
}

export type ClaimKind = "user" | "group";

export const CLAIM_LABEL = "scim.digicert-access.io/claim";

export function claimName(tenant: string, kind: ClaimKind, value: string): string {
  const digest = createHash("sha256").update(`${tenant}\u0000${kind}\u0000${value.toLowerCase()}`).digest("hex");
  return `scim-${kind}-${digest.slice(0, 40)}`;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export class Claims {
  constructor(private readonly kube: KubeRequester) {}

  /** Creates the claim; false when someone holds it already. */
  async create(namespace: string, tenant: string, kind: ClaimKind, value: string, id: string): Promise<boolean> {
    const body: ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: claimName(tenant, kind, value),
        namespace,
        labels: { [CLAIM_LABEL]: kind, [TENANT_LABEL]: tenant, "app.kubernetes.io/managed-by": "digicert-access-operator" },
      },
      // Only the id: the value itself may be personal data and the name is enough to find the claim.
      data: { id },
    };
    try {
      await this.kube.request({ method: "POST", path: corePath("configmaps", namespace), body });
      return true;
    } catch (err) {
      if (isStatus(err, 409)) return false;
      throw err;
    }
  }

  async get(namespace: string, tenant: string, kind: ClaimKind, value: string): Promise<Claim | undefined> {
    const name = claimName(tenant, kind, value);
    try {
      const cm = await this.kube.request<ConfigMap>({ path: corePath("configmaps", namespace, name) });
      const createdAt = Date.parse(String(cm.metadata?.creationTimestamp ?? ""));
      return { name, resourceVersion: cm.metadata?.resourceVersion ?? "", id: cm.data?.id ?? "", createdAt: Number.isNaN(createdAt) ? 0 : createdAt };
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Deletes the claim if it is still the one that was read (resourceVersion precondition). */
  async release(namespace: string, claim: Claim): Promise<void> {
    try {
      await this.kube.request({
        method: "DELETE",
        path: corePath("configmaps", namespace, claim.name),
        body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { resourceVersion: claim.resourceVersion } },
      });
    } catch (err) {
      if (isStatus(err, 404) || isStatus(err, 409)) return;
      throw err;
    }
  }

  /** Releases the claim on `value` if `id` holds it. */
  async releaseIfHeld(namespace: string, tenant: string, kind: ClaimKind, value: string, id: string): Promise<void> {
    const claim = await this.get(namespace, tenant, kind, value);
    if (claim?.id === id) await this.release(namespace, claim);
  }
}
