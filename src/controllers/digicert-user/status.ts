import type { Condition, DigiCertUser, ScimGroup, ServiceAccess } from "../../api/v1alpha1/index.js";
import { setCondition } from "../../api/v1alpha1/index.js";
import type { ServiceOutcome } from "./apply.js";
import type { ServiceStatus } from "./plan.js";

export type UserStatus = Omit<NonNullable<DigiCertUser["status"]>, "scim">;
type Check = Pick<Condition, "status" | "reason" | "message">;

const SUFFIX: Partial<Record<ServiceStatus["state"], string>> = { Planned: " (planned)", Pending: " (pending)", Failed: " (failed)" };

/** "certcentral:Standard User, dns:Technical+Reporting" for the SERVICES printer column. */
export function servicesSummary(entries: readonly ServiceStatus[]): string {
  return entries
    .filter((e) => (e.roles?.length ?? 0) > 0 && e.state !== "Disabled" && e.state !== "Deleted")
    .map((e) => `${e.service}:${e.roles!.join("+")}${SUFFIX[e.state] ?? ""}`)
    .join(", ");
}

/** The user's group names for the GROUPS printer column (the SCIM id when the group is not known). */
export function groupsSummary(user: DigiCertUser, groupOf: (id: string) => ScimGroup | undefined): string {
  return (user.status?.scim?.groups ?? [])
    .map((g) => groupOf(g.value)?.status?.scim?.displayName ?? g.value)
    .sort()
    .join(", ");
}

/** Synced and Ready from the per-service outcomes (kstatus: reasons CamelCase, observedGeneration on each). */
export function syncedCondition(outcomes: readonly ServiceOutcome[], context: { dryRun: boolean; graceUntil?: number }): Check {
  const failures = outcomes.flatMap((o) => (o.failure ? [o.failure] : []));
  if (failures.length > 0) {
    // The most actionable reason first: credentials, then the guard, then outages, then bad requests.
    const order = ["CredentialsInvalid", "DeprovisionPaused", "ServiceUnavailable", "InvalidRequest", "Conflict", "SyncFailed"];
    const reason = [...failures].sort((a, b) => order.indexOf(a.reason) - order.indexOf(b.reason))[0]!.reason;
    return { status: "False", reason, message: failures.map((f) => f.message).join("; ") };
  }
  if (context.dryRun) return { status: "Unknown", reason: "DryRun", message: "dry-run tenant: status.services shows the plan; nothing was applied" };
  if (context.graceUntil !== undefined) {
    return { status: "True", reason: "GracePeriod", message: `deactivated; access is removed at ${new Date(context.graceUntil).toISOString()}` };
  }
  return { status: "True", reason: "Synced", message: "" };
}

export function composeStatus(input: {
  user: DigiCertUser;
  desired: readonly ServiceAccess[];
  entries: readonly ServiceStatus[];
  synced: Check;
  groups: string;
  now: Date;
}): UserStatus {
  const { user, synced, now } = input;
  const generation = user.metadata.generation;
  const ready: Check = synced.status === "True" || synced.reason === "DryRun" ? { status: "True", reason: synced.reason === "DryRun" ? "DryRun" : "Ready", message: synced.message } : synced;
  let conditions = setCondition(user.status?.conditions, { type: "Synced", ...synced }, generation, now);
  conditions = setCondition(conditions, { type: "Ready", ...ready }, generation, now);
  const services = [...input.entries].sort((a, b) => (a.service < b.service ? -1 : 1));
  return {
    observedGeneration: generation,
    conditions,
    desired: [...input.desired],
    services,
    summary: { groups: input.groups, services: servicesSummary(services) },
  };
}

/** A status for a user whose tenant is missing: conditions only; services are left as they were. */
export function tenantMissingStatus(user: DigiCertUser, now: Date): UserStatus {
  const message = `ScimTenant ${user.spec.tenantRef.name} not found: DigiCert access is left as it is (remove finalizer digicert-access.io/deprovision by hand to delete without deprovisioning)`;
  const { scim: _scim, ...rest } = user.status ?? {};
  let conditions = setCondition(rest.conditions, { type: "Synced", status: "Unknown", reason: "TenantNotFound", message }, user.metadata.generation, now);
  conditions = setCondition(conditions, { type: "Ready", status: "False", reason: "TenantNotFound", message }, user.metadata.generation, now);
  return { ...rest, observedGeneration: user.metadata.generation, conditions };
}
