import type { DigiCertUser, ScimTenant } from "../../api/v1alpha1/index.js";
import type { ControllerContext } from "../shared/context.js";
import { parseDurationMs } from "../../api/v1alpha1/index.js";
import { BY_DEPROVISIONING, BY_TENANT, tenantKey } from "../shared/resources.js";

/**
 * The annotation a person sets on a ScimTenant to approve the deactivations that tripped its
 * mass-deprovision guard. The value is free text (who and why); the controller records the approval
 * in status.deprovisionGuard.approvedThrough and removes the annotation, so the next burst needs a
 * fresh approval.
 */
export const APPROVE_DEPROVISION_ANNOTATION = "digicert-access.io/approve-deprovision";

export interface GuardReading {
  /** Deactivations and deletions inside the window, after the last approval. */
  count: number;
  /** Users of the tenant (the base of maxPercent). */
  total: number;
  /** True when count is above maxDeactivations or maxPercent. */
  exceeded: boolean;
  message: string;
}

/** When the IdP took the user away: deactivation, or deletion of the object. */
function deprovisionedAt(user: DigiCertUser): number | undefined {
  const at = user.metadata.deletionTimestamp ?? (user.status?.scim?.active === false ? user.status.scim.deactivatedAt : undefined);
  return at === undefined ? undefined : Date.parse(at);
}

/**
 * Counts the tenant's deactivations inside the guard's window (DESIGN invariant 7). Pure: the caller
 * passes the tenant's inactive or deleted users from the cache (`candidates`) and how many users the
 * tenant has. Without a guard configured nothing is ever exceeded.
 */
export function readGuard(tenant: ScimTenant, candidates: readonly DigiCertUser[], total: number, now: Date): GuardReading {
  const guard = tenant.spec.deprovision.guard;
  if (!guard) return { count: 0, total, exceeded: false, message: "no guard configured" };
  const since = now.getTime() - parseDurationMs(guard.window);
  const approved = tenant.status?.deprovisionGuard?.approvedThrough;
  const floor = Math.max(since, approved ? Date.parse(approved) : -Infinity);
  let count = 0;
  for (const user of candidates) {
    const at = deprovisionedAt(user);
    if (at !== undefined && at > floor) count++;
  }
  const overCount = guard.maxDeactivations !== undefined && count > guard.maxDeactivations;
  const overPercent = guard.maxPercent !== undefined && total > 0 && count * 100 > guard.maxPercent * total;
  const limits = [
    guard.maxDeactivations !== undefined ? `maxDeactivations ${guard.maxDeactivations}` : undefined,
    guard.maxPercent !== undefined ? `maxPercent ${guard.maxPercent}%` : undefined,
  ].filter(Boolean);
  const message = `${count} of ${total} users deactivated or deleted within ${guard.window} (limits: ${limits.join(", ")})`;
  return { count, total, exceeded: overCount || overPercent, message };
}

/** True while deprovisioning of this tenant must wait: tripped (latched) in status, or exceeded now. */
export const deprovisionPaused = (tenant: ScimTenant, reading: GuardReading): boolean =>
  tenant.status?.deprovisionGuard?.tripped === true || reading.exceeded;

/** readGuard over the informer cache: the tenant's deactivated or deleted users, and its user count. */
export function guardReading(ctx: Pick<ControllerContext, "informers">, tenant: ScimTenant, now: Date): GuardReading {
  const key = tenantKey(tenant.metadata.namespace, tenant.metadata.name);
  const users = ctx.informers.users;
  return readGuard(tenant, users.byIndex(BY_DEPROVISIONING, key), users.byIndex(BY_TENANT, key).length, now);
}
