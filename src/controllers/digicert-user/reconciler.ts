import type { DigiCertUser, ScimTenant, ServiceName } from "../../api/v1alpha1/index.js";
import type { KubeObject, ReconcileContext, ReconcileRequest, ReconcileResult, Reconciler } from "../../runtime/index.js";
import { CONTROLLER_ERRORS, ControllerError } from "../errors.js";
import type { ControllerContext } from "../shared/context.js";
import { DEPROVISION_FINALIZER, sameJson, type EventInput } from "../shared/kube-writes.js";
import { BY_TENANT, tenantKey } from "../shared/resources.js";
import { deprovisionPaused, guardReading } from "../scim-tenant/deprovision-guard.js";
import { applyServicePlan, type ServiceOutcome } from "./apply.js";
import { desiredAccess } from "./desired-access.js";
import type { DriftHints } from "./drift-hints.js";
import { planUser, type ServicePlan, type ServiceStatus } from "./plan.js";
import { composeStatus, groupsSummary, syncedCondition, tenantMissingStatus, type UserStatus } from "./status.js";

/**
 * DigiCertUser: computes the user's desired access, applies only the difference through the
 * providers, and records per-service results, conditions and Events. Status is written once per
 * reconcile and only when it changed, so a user that is already in sync costs no API call at all.
 */
export class DigiCertUserReconciler implements Reconciler {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly hints: DriftHints,
    /** Asks the ScimTenant controller to latch a guard that has just been exceeded. */
    private readonly onGuardExceeded: (namespace: string, tenant: string) => void,
  ) {}

  async reconcile(request: ReconcileRequest, { logger }: ReconcileContext): Promise<ReconcileResult> {
    const { informers, writes, config } = this.ctx;
    const namespace = request.namespace ?? "";
    let user = informers.users.get(namespace, request.name);
    const key = `${namespace}/${request.name}`;
    if (!user) {
      this.hints.clear(key);
      return {};
    }
    const deleting = user.metadata.deletionTimestamp !== undefined;
    const finalizers = user.metadata.finalizers ?? [];
    // Between the receiver's create and its status write there is nothing to act on yet.
    if (!user.status?.scim && !deleting) return {};
    if (deleting && !finalizers.includes(DEPROVISION_FINALIZER)) return {};
    if (deleting && !user.status?.scim) {
      // Deleted before the receiver wrote what the IdP said: never reconciled, so nothing to take back.
      await writes.setFinalizers("DigiCertUser", user, finalizers.filter((f) => f !== DEPROVISION_FINALIZER));
      return {};
    }

    const now = this.ctx.now();
    const tenant = informers.tenants.get(namespace, user.spec.tenantRef.name);
    if (!tenant) {
      // A deleted tenant never wipes access: nothing is called, the finalizer stays.
      const status = tenantMissingStatus(user, now);
      const known = user.status?.conditions?.some((c) => c.type === "Ready" && c.reason === "TenantNotFound");
      const event: EventInput = { type: "Warning", reason: "TenantNotFound", message: `ScimTenant ${user.spec.tenantRef.name} not found; DigiCert access left as it is` };
      await this.#writeStatus(user, status, known ? [] : [event]);
      return {};
    }
    if (tenant.spec.suspend || user.spec.suspend) return {};

    if (!deleting && !finalizers.includes(DEPROVISION_FINALIZER)) {
      const written = await writes.setFinalizers<DigiCertUser & KubeObject>("DigiCertUser", user, [...finalizers, DEPROVISION_FINALIZER]);
      if (!written) return {};
      user = informers.users.applyWrite(written);
    }

    const tk = tenantKey(namespace, tenant.metadata.name);
    if (deleting) {
      // The IdP deleted the user and created it again (a new SCIM id, the same userName): the
      // DigiCert account now belongs to the new object, which must not lose it to this deletion.
      // A scan rather than an index: deletions are rare, and an index would cost memory per user.
      const userName = user.status?.scim?.userName.toLowerCase();
      const successor = informers.users
        .byIndex(BY_TENANT, tk)
        .find((u) => u.metadata.name !== user!.metadata.name && u.metadata.deletionTimestamp === undefined && u.status?.scim?.userName.toLowerCase() === userName);
      if (successor) {
        await writes.event(user, { type: "Normal", reason: "DeprovisionSkipped", message: `userName now belongs to DigiCertUser ${successor.metadata.name}; DigiCert access kept` });
        await writes.setFinalizers("DigiCertUser", user, finalizers.filter((f) => f !== DEPROVISION_FINALIZER));
        return {};
      }
    }
    const groupOf = (id: string) => informers.groups.get(namespace, id);
    const desired = deleting
      ? []
      : desiredAccess({
          user,
          tenant,
          mappings: informers.mappings.byIndex(BY_TENANT, tk),
          groups: (user.status?.scim?.groups ?? []).flatMap((g) => groupOf(g.value) ?? []),
          now,
        }).access;
    const drift = this.hints.get(key);
    const plans = planUser({ user, tenant, desired, now, drift, guardPaused: () => this.#guardPaused(tenant, now) });

    const outcomes = tenant.spec.dryRun ? plans.map(planned) : await this.#apply(plans, user, tenant, now);
    const entries = outcomes.flatMap((o) => (o.entry ? [o.entry] : []));
    const graceUntil = plans.flatMap((p) => (p.action.kind === "grace" ? [p.action.untilMs] : []))[0];
    // A dry-run tenant takes nothing back, so a deleted user that may hold access keeps its
    // finalizer until dry-run is off (a tenant change requeues every user).
    const heldByDryRun = deleting && tenant.spec.dryRun && mayHoldAccess(user);
    const synced = heldByDryRun
      ? { status: "Unknown" as const, reason: "DeprovisionHeldDryRun", message: "deleted in SCIM; a dry-run tenant takes no DigiCert access back, so the finalizer stays until dry-run is off" }
      : syncedCondition(outcomes, { dryRun: tenant.spec.dryRun, graceUntil });
    const events = outcomes.flatMap((o) => (o.event ? [o.event] : []));
    const succeeded = plans.filter((p, i) => !outcomes[i]!.failure && p.action.kind !== "keep").map((p) => p.service);
    this.hints.clear(key, succeeded.filter((s) => drift.has(s)) as ServiceName[]);

    if (deleting && !heldByDryRun && outcomes.every((o) => !o.failure)) {
      for (const event of events) await writes.event(user, event);
      await writes.setFinalizers("DigiCertUser", user, finalizers.filter((f) => f !== DEPROVISION_FINALIZER));
      this.hints.clear(key);
      logger.info({ services: succeeded }, "deprovisioned on delete; finalizer removed");
      return {};
    }

    const status = composeStatus({ user, desired, entries, synced, groups: groupsSummary(user, groupOf), now });
    const previous = user.status?.conditions?.find((c) => c.type === "Synced");
    if (synced.status !== "True" && synced.reason !== "DryRun" && (previous?.reason !== synced.reason || previous.status !== synced.status) && !events.some((e) => e.type === "Warning")) {
      events.push({ type: "Warning", reason: synced.reason, message: synced.message });
    }
    await this.#writeStatus(user, status, events);

    const failures = outcomes.flatMap((o) => (o.failure ? [o.failure] : []));
    if (failures.some((f) => f.kind === "retry")) {
      // Thrown after the status write, so status says why while the controller backs off.
      throw new ControllerError(CONTROLLER_ERRORS.SYNC_FAILED, failures.map((f) => f.message).join("; "));
    }
    if (failures.some((f) => f.kind === "auth")) return { requeueAfterMs: config.retryAfterAuthFailureMs };
    // Nothing else announces the end of a grace period or of a break-glass override.
    const expiresAt = Date.parse(user.spec.overrides?.expiresAt ?? "");
    const wakeAt = Math.min(graceUntil ?? Infinity, expiresAt > now.getTime() ? expiresAt : Infinity);
    return wakeAt === Infinity ? {} : { requeueAfterMs: Math.max(1, wakeAt - now.getTime()) };
  }

  async #apply(plans: ServicePlan[], user: DigiCertUser, tenant: ScimTenant, now: Date): Promise<ServiceOutcome[]> {
    return Promise.all(
      plans.map((plan) =>
        applyServicePlan(plan, { user, tenant, now, metrics: this.ctx.metrics, client: () => this.ctx.connections.client(tenant, plan.service) }),
      ),
    );
  }

  #guardPaused(tenant: ScimTenant, now: Date): boolean {
    if (tenant.status?.deprovisionGuard?.tripped) return true;
    if (!tenant.spec.deprovision.guard) return false;
    const reading = guardReading(this.ctx, tenant, now);
    if (reading.exceeded) this.onGuardExceeded(tenant.metadata.namespace ?? "", tenant.metadata.name);
    return deprovisionPaused(tenant, reading);
  }

  async #writeStatus(user: DigiCertUser, status: UserStatus, events: EventInput[]): Promise<void> {
    const { scim: _scim, ...current } = user.status ?? {};
    if (!sameJson(status, current)) {
      const written = await this.ctx.writes.applyStatus<DigiCertUser & KubeObject>("DigiCertUser", user.metadata.namespace ?? "", user.metadata.name, { ...status });
      this.ctx.informers.users.applyWrite(written);
    }
    for (const event of events) await this.ctx.writes.event(user, event);
  }
}

/** Whether status records access applied in DigiCert (a remote id) that was not taken back yet. */
const mayHoldAccess = (user: DigiCertUser) => (user.status?.services ?? []).some((s) => s.remoteId !== undefined && s.state !== "Deleted");

/** Dry-run: the action becomes a Planned status entry; DigiCert is not called. */
function planned(plan: ServicePlan): ServiceOutcome {
  const { service, want, current, action } = plan;
  const describe: Record<ServicePlan["action"]["kind"], string | undefined> = {
    keep: undefined,
    drop: undefined,
    ensure: `would grant ${want?.roles?.join(", ")}`,
    disable: "would disable the user",
    delete: "would delete the user",
    paused: "would deprovision, but the mass-deprovision guard holds it",
    grace: "would deprovision after the grace period",
  };
  const message = describe[action.kind];
  if (message === undefined) return { entry: action.kind === "keep" ? current : undefined, idle: true };
  // The remote id of what was applied before survives the plan: it is how a later deletion knows
  // that there is access to take back.
  const entry: ServiceStatus = {
    service,
    ...(current?.remoteId !== undefined ? { remoteId: current.remoteId } : {}),
    ...(want?.roles ? { roles: want.roles } : {}),
    ...(want?.divisions ? { divisions: want.divisions } : {}),
    state: "Planned",
    message,
  };
  return { entry, idle: true };
}
