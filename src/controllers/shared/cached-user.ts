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
 * Keys of SCIM attributes whose values recur across a company's users (job titles, departments,
 * locales, the `type` of emails and phone numbers): one copy of each value serves every user.
 */
const SHARED_KEYS = new Set(["title", "userType", "preferredLanguage", "locale", "timezone", "type", "department", "division", "organization", "costCenter", "country", "region", "locality", "display", "$ref"]);

function shareScim(v: unknown, own: Map<string, string>, key?: string): unknown {
  if (typeof v === "string") {
    if (key !== undefined && SHARED_KEYS.has(key)) return i(v);
    // Within one user the same text recurs (the userName as the email, displayName as name.formatted).
    const seen = own.get(v);
    if (seen !== undefined) return seen;
    own.set(v, v);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => shareScim(x, own));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shareScim(x, own, k);
    return out;
  }
  return v;
}

/**
 * The one cached view of a DigiCertUser, shared by the controllers and the SCIM receiver (which
 * renders users from it): everything the IdP said (status.scim, with recurring values shared), the
 * controller's own status, and the metadata both act on. Labels, annotations and managedFields stay
 * in the API server; one cache instead of one per consumer, and sharing equal values, is what keeps
 * the operator under 3 KB per user.
 */
export function cachedUser(obj: KubeObject): DigiCertUser & KubeObject {
  const user = obj as unknown as DigiCertUser;
  const m = user.metadata;
  const metadata = {
    name: m.name,
    namespace: i(m.namespace),
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    ...(m.creationTimestamp ? { creationTimestamp: i(m.creationTimestamp) } : {}),
    ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    ...(m.finalizers ? { finalizers: i(m.finalizers) } : {}),
  };
  const status = user.status;
  const scim = status?.scim;
  const sharedScim = scim && {
    ...(shareScim(scim, new Map([[m.name ?? "", m.name ?? ""]])) as typeof scim),
    ...(scim.groups ? { groups: i(scim.groups) } : {}),
    ...(scim.created ? { created: i(scim.created) } : {}),
    ...(scim.lastModified ? { lastModified: i(scim.lastModified) } : {}),
  };
  const slimStatus = status && {
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
    ...(status.conditions ? { conditions: status.conditions.map(i) } : {}),
    ...(sharedScim ? { scim: sharedScim } : {}),
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
