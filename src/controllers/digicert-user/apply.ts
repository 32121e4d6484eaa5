import type { DigiCertUser, ScimTenant } from "../../api/v1alpha1/index.js";
import { isProviderError, PROVIDER_ERRORS, type AccessClient, type UserIdentity } from "../../providers/index.js";
import { isOperatorError, messageOf } from "../../errors.js";
import type { ControllerMetrics, ProviderOperation } from "../metrics.js";
import type { EventInput } from "../shared/kube-writes.js";
import type { ServicePlan, ServiceStatus } from "./plan.js";

/** How a failed service call should be retried. */
export type FailureKind = "retry" | "auth" | "permanent";

export interface ServiceOutcome {
  /** The status entry for the service; undefined drops it. */
  entry: ServiceStatus | undefined;
  event?: EventInput;
  failure?: { kind: FailureKind; reason: string; message: string };
  /** True when nothing changed in DigiCert and no call was made. */
  idle: boolean;
}

/** The identity providers create the user with, from what the IdP sent. */
export function identityOf(user: DigiCertUser): UserIdentity {
  const scim = user.status!.scim!;
  const email = scim.emails?.find((e) => e.primary)?.value ?? scim.emails?.[0]?.value ?? scim.userName;
  const local = scim.userName.split("@")[0] || scim.userName;
  return {
    userName: scim.userName,
    email,
    givenName: scim.name?.givenName || scim.displayName?.split(" ")[0] || local,
    familyName: scim.name?.familyName || scim.displayName?.split(" ").slice(1).join(" ") || local,
    ...(scim.title ? { title: scim.title } : {}),
    ...(scim.phoneNumbers?.[0]?.value ? { phone: scim.phoneNumbers[0].value } : {}),
  };
}

function classify(err: unknown): { kind: FailureKind; reason: string } {
  if (isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED)) return { kind: "auth", reason: "CredentialsInvalid" };
  if (isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST)) return { kind: "permanent", reason: "InvalidRequest" };
  if (isProviderError(err, PROVIDER_ERRORS.CONFLICT)) return { kind: "permanent", reason: "Conflict" };
  if (isProviderError(err, PROVIDER_ERRORS.UNAVAILABLE) || isProviderError(err, PROVIDER_ERRORS.RATE_LIMITED)) return { kind: "retry", reason: "ServiceUnavailable" };
  return { kind: "retry", reason: "SyncFailed" };
}

const roleText = (roles: readonly string[] | undefined) => (roles && roles.length > 0 ? roles.join(", ") : "no roles");

/**
 * Carries out one service's planned action through its provider and returns the new status entry.
 * Errors become a Failed entry (never thrown), so one service's outage does not hide the others'
 * results; the caller decides from `failure` whether to retry.
 */
export async function applyServicePlan(
  plan: ServicePlan,
  deps: { user: DigiCertUser; tenant: ScimTenant; client: () => AccessClient; metrics: ControllerMetrics; now: Date },
): Promise<ServiceOutcome> {
  const { service, current, want, action } = plan;
  const at = deps.now.toISOString();
  switch (action.kind) {
    case "keep":
      return { entry: current, idle: true };
    case "drop":
      return { entry: undefined, idle: true };
    case "grace":
      return { entry: current && { ...current, message: `deactivated; access is removed after the grace period, at ${new Date(action.untilMs).toISOString()}` }, idle: true };
    case "paused":
      return {
        entry: current && { ...current, message: "deprovisioning paused by the tenant's mass-deprovision guard" },
        failure: { kind: "permanent", reason: "DeprovisionPaused", message: `${service}: deprovisioning paused by the mass-deprovision guard` },
        idle: true,
      };
  }
  const operation: ProviderOperation = action.kind;
  const userName = deps.user.status?.scim?.userName ?? deps.user.metadata.name;
  try {
    const client = deps.client();
    let entry: ServiceStatus;
    let event: EventInput | undefined;
    if (action.kind === "ensure") {
      const result = await client.ensureUser(identityOf(deps.user), { roles: action.access.roles ?? [], divisions: action.access.divisions });
      entry = {
        service,
        roles: action.access.roles,
        ...(action.access.divisions ? { divisions: action.access.divisions } : {}),
        state: result.outcome === "pending" ? "Pending" : "Provisioned",
        ...((result.user?.remoteId ?? current?.remoteId) ? { remoteId: result.user?.remoteId ?? current?.remoteId } : {}),
        lastSyncTime: at,
        ...(result.outcome === "pending" ? { message: "waiting for the user to activate in DigiCert" } : {}),
      };
      if (action.drift && result.outcome !== "unchanged") {
        deps.metrics.driftCorrections.inc({ service });
        event = { type: "Normal", reason: "DriftCorrected", message: `${service}: restored ${roleText(action.access.roles)} after a change made outside the operator` };
      } else if (result.outcome === "created" || result.outcome === "updated") {
        event = { type: "Normal", reason: result.outcome === "created" ? "Provisioned" : "AccessUpdated", message: `${service}: ${roleText(action.access.roles)}` };
      }
    } else {
      const outcome = action.kind === "disable" ? await client.disableUser(userName) : await client.deleteUser(userName);
      entry = {
        service,
        state: outcome === "disabled" ? "Disabled" : "Deleted",
        ...(current?.remoteId ? { remoteId: current.remoteId } : {}),
        lastSyncTime: at,
        message: `access removed (${action.cause})`,
      };
      if (action.drift) deps.metrics.driftCorrections.inc({ service });
      if (outcome !== "absent" || current !== undefined) {
        event = { type: "Normal", reason: action.drift ? "DriftCorrected" : outcome === "disabled" ? "Disabled" : "Deleted", message: `${service}: access removed (${action.cause})` };
      }
    }
    deps.metrics.providerCalls.inc({ service, operation, result: "success" });
    return { entry, event, idle: false };
  } catch (err) {
    deps.metrics.providerCalls.inc({ service, operation, result: "error" });
    const { kind, reason } = classify(err);
    const message = `${isOperatorError(err) ? `${err.code}: ` : ""}${messageOf(err)}`;
    const entry: ServiceStatus = {
      service,
      ...((want?.roles ?? current?.roles) ? { roles: want?.roles ?? current?.roles } : {}),
      ...((want?.divisions ?? current?.divisions) ? { divisions: want?.divisions ?? current?.divisions } : {}),
      state: "Failed",
      ...(current?.remoteId ? { remoteId: current.remoteId } : {}),
      ...(current?.lastSyncTime ? { lastSyncTime: current.lastSyncTime } : {}),
      message: message.slice(0, 4096),
    };
    // Only a new failure is an Event: a retry failing the same way changes nothing people need to see.
    const event: EventInput | undefined =
      current?.state === "Failed" && current.message === entry.message ? undefined : { type: "Warning", reason, message: `${service}: ${operation} failed: ${message}` };
    return { entry, event, failure: { kind, reason, message: `${service}: ${message}` }, idle: false };
  }
}
