import type { DigiCertUser } from "../../api/v1alpha1/index.js";
import type { KubeObject } from "../../runtime/index.js";

/**
 * Shares equal values between cached objects. Most of a user's cached status is the same as its
 * neighbours' (conditions, desired access, summaries, the tenant reference): one copy serves all.
 * Safe because cached objects are never mutated. Bounded: when full it starts over, which only costs
 * sharing, never correctness.
 */
class Interner {
  #values = new Map<string, unknown>();
  constructor(private readonly capacity: number) {}

  value<T>(v: T): T {
    if (v === undefined || v === null) return v;
    const key = typeof v === "string" ? `s${v}` : `j${JSON.stringify(v)}`;
    const hit = this.#values.get(key);
    if (hit !== undefined) return hit as T;
    if (this.#values.size >= this.capacity) this.#values = new Map();
    this.#values.set(key, v);
    return v;
  }
}

const pool = new Interner(50_000);
const i = <T>(v: T): T => pool.value(v);

/**
 * What the controllers keep of a DigiCertUser: the SCIM state desired access and the provider
 * identity need, the controller's own status, and the metadata they act on. The rest of what the IdP
 * sent (addresses, photos, extensions…), labels, creationTimestamp and managedFields stay in the API
 * server; dropping and sharing them is what keeps the cache under 3 KB per user.
 */
export function slimUser(obj: KubeObject): DigiCertUser & KubeObject {
  const user = obj as unknown as DigiCertUser;
  const m = user.metadata;
  const metadata = {
    name: m.name,
    namespace: i(m.namespace),
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    ...(m.finalizers ? { finalizers: i(m.finalizers) } : {}),
  };
  const status = user.status;
  const scim = status?.scim;
  const primary = <T extends { primary?: boolean; value?: string }>(xs: T[] | undefined) => {
    const pick = xs?.find((x) => x.primary) ?? xs?.[0];
    return pick?.value === undefined ? undefined : [{ value: pick.value, primary: true }];
  };
  // Only what identityOf() can use: displayName only as a fallback for a missing name, the email
  // only when it is not the userName (the fallback).
  const emails = primary(scim?.emails);
  const fullName = scim?.name?.givenName && scim.name.familyName;
  const slimScim = scim && {
    userName: scim.userName,
    active: scim.active,
    ...(scim.name ? { name: { givenName: scim.name.givenName, familyName: scim.name.familyName } } : {}),
    ...(scim.displayName !== undefined && !fullName ? { displayName: scim.displayName } : {}),
    ...(scim.title !== undefined ? { title: i(scim.title) } : {}),
    ...(emails && emails[0]!.value !== scim.userName ? { emails } : {}),
    ...(primary(scim.phoneNumbers) ? { phoneNumbers: primary(scim.phoneNumbers) } : {}),
    ...(scim.groups ? { groups: i(scim.groups.map((g) => ({ value: g.value }))) } : {}),
    ...(scim.deactivatedAt !== undefined ? { deactivatedAt: scim.deactivatedAt } : {}),
  };
  const slimStatus = status && {
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    ...(status.conditions ? { conditions: status.conditions.map(i) } : {}),
    ...(slimScim ? { scim: slimScim } : {}),
    ...(status.desired ? { desired: i(status.desired) } : {}),
    ...(status.services
      ? {
          services: status.services.map((s) => ({
            ...s,
            service: i(s.service),
            state: i(s.state),
            ...(s.roles ? { roles: i(s.roles) } : {}),
            ...(s.divisions ? { divisions: i(s.divisions) } : {}),
            ...(s.message !== undefined ? { message: i(s.message) } : {}),
          })),
        }
      : {}),
    ...(status.summary ? { summary: i(status.summary) } : {}),
  };
  return {
    apiVersion: i(user.apiVersion),
    kind: i(user.kind),
    metadata,
    spec: i(user.spec),
    ...(slimStatus ? { status: slimStatus } : {}),
  } as DigiCertUser & KubeObject;
}
