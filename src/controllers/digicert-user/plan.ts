import type { DigiCertUser, ScimTenant, ServiceAccess, ServiceName } from "../../api/v1alpha1/index.js";
import { sameSet } from "../../providers/ensure.js";
import { parseDurationMs } from "../../api/v1alpha1/index.js";

export type ServiceStatus = NonNullable<NonNullable<DigiCertUser["status"]>["services"]>[number];

/** Why access is being taken away: the IdP deactivated or deleted the user, or no mapping grants the service any more. */
export type DeprovisionCause = "deactivated" | "deleted" | "unmapped";

export type Action =
  /** DigiCert already matches: no call. */
  | { kind: "keep" }
  /** Give the user exactly `access` (create, update or re-enable). */
  | { kind: "ensure"; access: ServiceAccess; drift: boolean }
  /** Take access away per the tenant's mode. */
  | { kind: "disable" | "delete"; cause: DeprovisionCause; drift: boolean }
  /** A deprovision the mass-deprovision guard holds back. */
  | { kind: "paused"; cause: DeprovisionCause }
  /** Deactivated, but inside the grace period: access stays until `untilMs`. */
  | { kind: "grace"; untilMs: number }
  /** Forget a status entry that never reached DigiCert (a dry-run plan). */
  | { kind: "drop" };

export interface ServicePlan {
  service: ServiceName;
  /** What status says was last applied (undefined when nothing was, or only planned). */
  current: ServiceStatus | undefined;
  want: ServiceAccess | undefined;
  action: Action;
}

export interface PlanInput {
  user: DigiCertUser;
  tenant: ScimTenant;
  /** desiredAccess(...).access, empty for a user being deleted. */
  desired: readonly ServiceAccess[];
  now: Date;
  /** Services the last resync found to differ from the applied state. */
  drift: ReadonlySet<ServiceName>;
  /** Whether the tenant's mass-deprovision guard holds deprovisioning (asked lazily: it counts the tenant's users). */
  guardPaused: () => boolean;
}

const applied = (s: ServiceStatus | undefined) => (s && s.state !== "Planned" ? s : undefined);
const sameAccess = (a: ServiceAccess | undefined, b: ServiceAccess | undefined) =>
  sameSet(a?.roles ?? [], b?.roles ?? []) && sameSet(a?.divisions ?? [], b?.divisions ?? []);
const holdsAccess = (s: ServiceStatus | undefined) => s !== undefined && (s.state === "Provisioned" || s.state === "Pending" || s.state === "Failed");

/**
 * What to do in each service for one user: a pure function of the user, the tenant's policy, the
 * desired access and the last resync's drift findings. Only differences lead to calls; status
 * records what was applied, so a user whose status already matches costs nothing.
 */
export function planUser(input: PlanInput): ServicePlan[] {
  const { user, tenant, desired, now, drift } = input;
  const enabled = new Set(tenant.spec.services.map((s) => s.service));
  const current = new Map((user.status?.services ?? []).map((s) => [s.service, s]));
  const want = new Map(desired.map((d) => [d.service, d]));
  const deleting = user.metadata.deletionTimestamp !== undefined;
  const inactive = user.status?.scim?.active !== true;
  const mode = tenant.spec.deprovision.mode === "Delete" ? "delete" : "disable";
  let paused: boolean | undefined;
  const isPaused = () => (paused ??= input.guardPaused());

  // A deleted user is deprovisioned everywhere the tenant connects, even where status recorded
  // nothing: a crash between a create and its status write must not leave access behind.
  const services = new Set<ServiceName>([...current.keys(), ...want.keys(), ...(deleting ? enabled : [])]);
  const plans: ServicePlan[] = [];
  for (const service of [...services].sort()) {
    const cur = current.get(service);
    const last = applied(cur);
    const w = want.get(service);
    const drifted = drift.has(service);
    const deprovision = (cause: DeprovisionCause): Action => {
      const done = mode === "delete" ? last?.state === "Deleted" : last?.state === "Disabled" || last?.state === "Deleted";
      if (done && !drifted) return { kind: "keep" };
      if (cause !== "unmapped" && isPaused()) return { kind: "paused", cause };
      // Re-apply what was applied when drift undid it (a Disabled user re-enabled by hand).
      if (drifted && last?.state === "Disabled") return { kind: "disable", cause, drift: true };
      return { kind: mode, cause, drift: drifted };
    };
    let action: Action;
    if (!enabled.has(service)) {
      // The tenant no longer connects to the service: there is no client to call, so leave it.
      action = { kind: "keep" };
    } else if (deleting) {
      action = deprovision("deleted");
    } else if (inactive) {
      const graceMs = parseDurationMs(tenant.spec.deprovision.gracePeriod);
      const since = Date.parse(user.status?.scim?.deactivatedAt ?? "") || now.getTime();
      if (!holdsAccess(last) && !(drifted && last)) action = last ? { kind: "keep" } : cur ? { kind: "drop" } : { kind: "keep" };
      else if (now.getTime() < since + graceMs) action = { kind: "grace", untilMs: since + graceMs };
      else action = deprovision("deactivated");
    } else if (w && w.roles && w.roles.length > 0) {
      const settled = (last?.state === "Provisioned" || last?.state === "Pending") && sameAccess(last, w);
      action = settled && !drifted ? { kind: "keep" } : { kind: "ensure", access: w, drift: drifted && settled };
    } else if (holdsAccess(last) || (drifted && last)) {
      action = deprovision("unmapped");
    } else {
      action = cur && !last ? { kind: "drop" } : { kind: "keep" };
    }
    plans.push({ service, current: last, want: w, action });
  }
  return plans;
}
