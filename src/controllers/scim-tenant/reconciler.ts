import type { Condition, ScimTenant } from "../../api/v1alpha1/index.js";
import { parseDurationMs, setCondition } from "../../api/v1alpha1/index.js";
import { isProviderError, PROVIDER_ERRORS } from "../../providers/index.js";
import type { KubeObject, ReconcileContext, ReconcileRequest, ReconcileResult, Reconciler } from "../../runtime/index.js";
import { isOperatorError, messageOf } from "../../errors.js";
import { readSecret } from "../shared/connections.js";
import type { ControllerContext } from "../shared/context.js";
import { sameJson } from "../shared/kube-writes.js";
import { BY_TENANT, tenantKey } from "../shared/resources.js";
import { APPROVE_DEPROVISION_ANNOTATION, guardReading } from "./deprovision-guard.js";

type TenantStatus = NonNullable<ScimTenant["status"]>;
type CredentialCheck = Pick<Condition, "status" | "reason" | "message">;

/**
 * ScimTenant: checks that every Secret it names exists and that DigiCert accepts the credentials,
 * publishes the SCIM path and user/group counts, and owns the mass-deprovision guard's latch and
 * its approval. Credentials are validated once per change of the tenant or its Secrets (and again
 * every resync period), not on every count update.
 */
export class ScimTenantReconciler implements Reconciler {
  readonly #validated = new Map<string, { fingerprint: string; at: number; result: CredentialCheck }>();

  constructor(
    private readonly ctx: ControllerContext,
    /** Called when the guard is approved, so the paused users are reconciled at once. */
    private readonly onApproved: (namespace: string, tenant: string) => void,
  ) {}

  async reconcile(request: ReconcileRequest, { logger }: ReconcileContext): Promise<ReconcileResult> {
    const { informers, metrics, writes } = this.ctx;
    const namespace = request.namespace ?? "";
    const key = tenantKey(namespace, request.name);
    const tenant = informers.tenants.get(namespace, request.name);
    if (!tenant) {
      this.#validated.delete(key);
      this.ctx.connections.forget(namespace, request.name);
      metrics.forgetTenant(namespace, request.name);
      return {};
    }
    metrics.initTenant(namespace, request.name);
    const now = this.ctx.now();
    const generation = tenant.metadata.generation;
    const resyncMs = parseDurationMs(tenant.spec.resyncPeriod);
    const secrets = this.#checkSecrets(tenant);
    const credentials = secrets ?? (await this.#checkCredentials(tenant, resyncMs, logger));

    const users = informers.users.byIndex(BY_TENANT, key);
    const guard = { ...(tenant.status?.deprovisionGuard ?? { tripped: false }) };
    const approval = tenant.metadata.annotations?.[APPROVE_DEPROVISION_ANNOTATION];
    const events: { type: "Normal" | "Warning"; reason: string; message: string }[] = [];
    if (approval !== undefined) {
      guard.tripped = false;
      guard.approvedThrough = now.toISOString();
      delete guard.since;
      events.push({ type: "Normal", reason: "DeprovisionApproved", message: `deprovisioning approved (${approval.slice(0, 200)}); paused users are deprovisioned now` });
    }
    const reading = guardReading(this.ctx, { ...tenant, status: { ...tenant.status, deprovisionGuard: guard } }, now);
    metrics.deactivationsInWindow.set({ namespace, tenant: request.name }, reading.count);
    if (reading.exceeded && !guard.tripped) {
      guard.tripped = true;
      guard.since = now.toISOString();
      metrics.guardTrips.inc({ namespace, tenant: request.name });
      events.push({
        type: "Warning",
        reason: "DeprovisionGuardTripped",
        message: `mass-deprovision guard tripped: ${reading.message}; deprovisioning paused until annotation ${APPROVE_DEPROVISION_ANNOTATION} is set`,
      });
    }
    if (tenant.spec.deprovision.guard) {
      guard.deactivationsInWindow = reading.count;
      guard.message = reading.message;
    }
    metrics.guardTripped.set({ namespace, tenant: request.name }, guard.tripped ? 1 : 0);

    let conditions = setCondition(tenant.status?.conditions, { type: "CredentialsValid", ...credentials }, generation, now);
    conditions = setCondition(
      conditions,
      guard.tripped
        ? { type: "DeprovisionPaused", status: "True", reason: "GuardTripped", message: `${reading.message}; set annotation ${APPROVE_DEPROVISION_ANNOTATION} to approve` }
        : { type: "DeprovisionPaused", status: "False", reason: "NotPaused", message: "" },
      generation,
      now,
    );
    const ready: CredentialCheck =
      credentials.status === "False"
        ? credentials
        : guard.tripped
          ? { status: "False", reason: "DeprovisionPaused", message: "mass-deprovision guard tripped; see the DeprovisionPaused condition" }
          : credentials.status === "Unknown" && credentials.reason !== "DryRun"
            ? credentials
            : { status: "True", reason: "Ready", message: tenant.spec.dryRun ? "dry-run: plans are shown in DigiCertUser status, nothing is applied" : "" };
    conditions = setCondition(conditions, { type: "Ready", ...ready }, generation, now);

    const scimPath = `/scim/v2/${namespace}/${request.name}`;
    const base = tenant.spec.scim.externalBaseUrl?.replace(/\/$/, "");
    const status: TenantStatus = {
      observedGeneration: generation,
      conditions,
      scimPath,
      ...(base ? { scimUrl: `${base}${scimPath}` } : {}),
      users: users.length,
      activeUsers: users.filter((u) => u.status?.scim?.active === true && !u.metadata.deletionTimestamp).length,
      groups: informers.groups.byIndex(BY_TENANT, key).length,
      ...(tenant.spec.deprovision.guard || guard.tripped || guard.approvedThrough ? { deprovisionGuard: guard } : {}),
    };
    const previous = tenant.status?.conditions?.find((c) => c.type === "CredentialsValid");
    if (previous?.status !== credentials.status || previous.reason !== credentials.reason) {
      events.push(
        credentials.status === "False"
          ? { type: "Warning", reason: credentials.reason, message: credentials.message }
          : { type: "Normal", reason: credentials.reason, message: credentials.message || "credentials accepted" },
      );
    }

    if (!sameJson(status, tenant.status)) {
      const written = await writes.applyStatus<ScimTenant & KubeObject>("ScimTenant", namespace, request.name, status);
      informers.tenants.applyWrite(written);
    }
    if (approval !== undefined) {
      informers.tenants.applyWrite(await writes.removeAnnotations("ScimTenant", namespace, request.name, [APPROVE_DEPROVISION_ANNOTATION]));
      logger.info({ approval: approval.slice(0, 200) }, "mass-deprovision approved");
      this.onApproved(namespace, request.name);
    }
    for (const event of events) await writes.event(tenant, event);
    if (credentials.reason === "ServiceUnavailable") return { requeueAfterMs: Math.min(resyncMs, 30_000) };
    return { requeueAfterMs: resyncMs };
  }

  /** A missing Secret or key, as a CredentialsValid condition; undefined when all are there. */
  #checkSecrets(tenant: ScimTenant): CredentialCheck | undefined {
    const namespace = tenant.metadata.namespace ?? "";
    const refs = [...tenant.spec.scim.tokenSecretRefs, ...tenant.spec.services.map((s) => s.credentialsSecretRef)];
    const missing: string[] = [];
    for (const ref of refs) {
      try {
        readSecret(this.ctx.informers.secrets, namespace, ref);
      } catch (err) {
        missing.push(messageOf(err));
      }
    }
    return missing.length > 0 ? { status: "False", reason: "SecretNotFound", message: [...new Set(missing)].join("; ") } : undefined;
  }

  async #checkCredentials(tenant: ScimTenant, resyncMs: number, logger: ReconcileContext["logger"]): Promise<CredentialCheck> {
    if (tenant.spec.dryRun) return { status: "Unknown", reason: "DryRun", message: "dry-run tenants make no DigiCert calls; credentials are not validated" };
    const namespace = tenant.metadata.namespace ?? "";
    const key = tenantKey(namespace, tenant.metadata.name);
    // The Secrets' resourceVersions change on rotation; the tenant's generation on any spec change.
    const fingerprint = JSON.stringify([
      tenant.metadata.generation,
      tenant.spec.services.map((s) => this.ctx.informers.secrets.get(namespace, s.credentialsSecretRef.name)?.metadata?.resourceVersion),
    ]);
    const cached = this.#validated.get(key);
    const now = this.ctx.now().getTime();
    if (cached && cached.fingerprint === fingerprint && now - cached.at < resyncMs && cached.result.reason !== "ServiceUnavailable") return cached.result;

    const refused: string[] = [];
    const unavailable: string[] = [];
    for (const conn of tenant.spec.services) {
      try {
        await this.ctx.connections.client(tenant, conn.service).validateCredentials();
      } catch (err) {
        // Messages carry the service and DigiCert's error code, never the credential itself.
        const line = `${conn.service}: ${isOperatorError(err) ? err.code : "error"}: ${messageOf(err)}`;
        if (isProviderError(err, PROVIDER_ERRORS.UNAVAILABLE) || isProviderError(err, PROVIDER_ERRORS.RATE_LIMITED)) unavailable.push(line);
        else refused.push(line);
        logger.warn({ service: conn.service, code: isOperatorError(err) ? err.code : undefined }, "credential validation failed");
      }
    }
    const result: CredentialCheck =
      refused.length > 0
        ? { status: "False", reason: "AuthenticationFailed", message: refused.join("; ") }
        : unavailable.length > 0
          ? { status: "Unknown", reason: "ServiceUnavailable", message: unavailable.join("; ") }
          : { status: "True", reason: "CredentialsValid", message: `accepted by ${tenant.spec.services.map((s) => s.service).join(", ")}` };
    this.#validated.set(key, { fingerprint, at: now, result });
    return result;
  }
}
