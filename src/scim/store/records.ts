import type { DigiCertUser, ScimGroup, ScimTenant, ScimUserState } from "../../api/v1alpha1/index.js";
import type { GroupRecord, ScimGroupState } from "../resources/group.js";
import type { UserRecord } from "../resources/user.js";
import type { KubeObject } from "./kube-api.js";
import type { Tenant } from "./store.js";

/** Kubernetes objects as the store reads them, and how they become SCIM records. */
export type UserObject = KubeObject & Pick<DigiCertUser, "spec"> & { status?: { scim?: ScimUserState } };
export type GroupObject = KubeObject & Pick<ScimGroup, "spec"> & { status?: { scim?: ScimGroupState } };
export type TenantObject = KubeObject & Pick<ScimTenant, "spec">;

export const USERS = "digicertusers";
export const GROUPS = "scimgroups";
export const TENANTS = "scimtenants";

export const TENANT_INDEX = "scim-tenant";
export const USERNAME_INDEX = "scim-username";
export const MEMBER_INDEX = "scim-member-of";

export const tenantKey = (namespace: string, tenant: string) => `${namespace}/${tenant}`;

/** Index functions: users and groups by tenant, users by lower-cased userName and by group. */
export const byTenant = (obj: UserObject | GroupObject) =>
  obj.spec?.tenantRef?.name ? [tenantKey(obj.metadata?.namespace ?? "", obj.spec.tenantRef.name)] : [];
export const byUserName = (obj: UserObject) =>
  obj.status?.scim?.userName ? [`${byTenant(obj)[0]}/${obj.status.scim.userName.toLowerCase()}`] : [];
export const byGroup = (obj: UserObject) => (obj.status?.scim?.groups ?? []).map((g) => `${obj.metadata?.namespace}/${g.value}`);

/** An object being deleted is gone for SCIM at once, though its finalizer keeps it in the API server. */
export const isLive = (obj: KubeObject) => obj.metadata?.deletionTimestamp === undefined;

/** The SCIM record of an object, or undefined while its status is not written yet or it is being deleted. */
function recordOf<S extends { created?: string; lastModified?: string }>(obj: KubeObject & { status?: { scim?: S } }) {
  const scim = obj.status?.scim;
  if (!scim || !isLive(obj)) return undefined;
  const created = scim.created ?? String(obj.metadata?.creationTimestamp ?? "");
  return { id: obj.metadata?.name ?? "", version: obj.metadata?.resourceVersion ?? "", created, lastModified: scim.lastModified ?? created, state: scim };
}

export const userRecord = (obj: UserObject): UserRecord | undefined => recordOf(obj);
export const groupRecord = (obj: GroupObject): GroupRecord | undefined => recordOf(obj);

export function tenantOf(obj: TenantObject): Tenant | undefined {
  if (!isLive(obj) || !obj.spec?.scim) return undefined;
  return {
    ref: { namespace: obj.metadata?.namespace ?? "", name: obj.metadata?.name ?? "" },
    uid: obj.metadata?.uid ?? "",
    ...(obj.spec.scim.externalBaseUrl ? { externalBaseUrl: obj.spec.scim.externalBaseUrl } : {}),
    tokenSecretRefs: obj.spec.scim.tokenSecretRefs ?? [],
  };
}

/** Oldest first, then by id: the order every list and page uses. */
export const byCreation = (a: { created: string; id: string }, b: { created: string; id: string }) =>
  a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
