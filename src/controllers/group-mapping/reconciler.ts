import type { Condition, GroupMapping, ScimTenant } from "../../api/v1alpha1/index.js";
import { setCondition } from "../../api/v1alpha1/index.js";
import { isProviderError, PROVIDER_ERRORS } from "../../providers/index.js";
import type { KubeObject, ReconcileContext, ReconcileRequest, ReconcileResult, Reconciler } from "../../runtime/index.js";
import { isOperatorError, messageOf } from "../../errors.js";
import type { ControllerContext } from "../shared/context.js";
import { sameJson } from "../shared/kube-writes.js";
import { BY_GROUP, BY_TENANT, tenantKeyOf } from "../shared/resources.js";
import { matchingGroups } from "./matching.js";

type Check = Pick<Condition, "status" | "reason" | "message">;

/** Retry interval while DigiCert cannot be asked for a role catalog. */
const CATALOG_RETRY_MS = 30_000;

/**
 * GroupMapping: validates every grant against its service's role catalog, resolves the ScimGroup it
 * refers to and reports the matched group and its member count. Which users a change affects is
 * decided by the event handlers in setup.ts; this reconciler only reports.
 */
export class GroupMappingReconciler implements Reconciler {
  constructor(private readonly ctx: ControllerContext) {}

  async reconcile(request: ReconcileRequest, { logger }: ReconcileContext): Promise<ReconcileResult> {
    const { informers, writes } = this.ctx;
    const mapping = informers.mappings.get(request.namespace, request.name);
    if (!mapping) return {};
    const now = this.ctx.now();
    const generation = mapping.metadata.generation;
    const tenant = informers.tenants.get(mapping.metadata.namespace, mapping.spec.tenantRef.name);

    const grants: Check = tenant
      ? await this.#checkGrants(mapping, tenant, logger)
      : { status: "False", reason: "TenantNotFound", message: `ScimTenant ${mapping.spec.tenantRef.name} not found` };
    const matched = matchingGroups(mapping, informers.groups.byIndex(BY_TENANT, tenantKeyOf(mapping)))[0];
    const wanted = mapping.spec.group.externalId !== undefined ? `externalId ${mapping.spec.group.externalId}` : `displayName ${mapping.spec.group.displayName}`;
    const resolved: Check = matched
      ? { status: "True", reason: "GroupResolved", message: `matched ScimGroup ${matched.metadata.name}` }
      : { status: "False", reason: "GroupNotFound", message: `no ScimGroup with ${wanted} has been pushed by the IdP` };

    let conditions = setCondition(mapping.status?.conditions, { type: "GrantsValid", ...grants }, generation, now);
    conditions = setCondition(conditions, { type: "GroupResolved", ...resolved }, generation, now);
    const ready: Check = grants.status !== "True" ? grants : resolved.status !== "True" ? resolved : { status: "True", reason: "Ready", message: "" };
    conditions = setCondition(conditions, { type: "Ready", ...ready }, generation, now);
    const status: NonNullable<GroupMapping["status"]> = {
      observedGeneration: generation,
      conditions,
      ...(matched
        ? {
            matchedGroup: { id: matched.metadata.name, displayName: matched.status?.scim?.displayName ?? "" },
            memberCount: informers.users.byIndex(BY_GROUP, `${matched.metadata.namespace}/${matched.metadata.name}`).length,
          }
        : { memberCount: 0 }),
    };
    if (!sameJson(status, mapping.status)) {
      const before = mapping.status?.conditions?.find((c) => c.type === "Ready");
      const written = await writes.applyStatus<GroupMapping & KubeObject>("GroupMapping", request.namespace ?? "", request.name, status);
      informers.mappings.applyWrite(written);
      if (before?.status !== ready.status || before.reason !== ready.reason) {
        await writes.event(mapping, { type: ready.status === "False" ? "Warning" : "Normal", reason: ready.reason, message: ready.message || "mapping resolved and valid" });
      }
    }
    return grants.reason === "ServiceUnavailable" ? { requeueAfterMs: CATALOG_RETRY_MS } : {};
  }

  async #checkGrants(mapping: GroupMapping, tenant: ScimTenant, logger: ReconcileContext["logger"]): Promise<Check> {
    const enabled = new Set(tenant.spec.services.map((s) => s.service));
    const notEnabled = mapping.spec.grants.filter((g) => !enabled.has(g.service)).map((g) => g.service);
    if (notEnabled.length > 0) {
      return { status: "False", reason: "ServiceNotEnabled", message: `tenant ${tenant.metadata.name} does not enable: ${[...new Set(notEnabled)].join(", ")}` };
    }
    if (tenant.spec.dryRun) return { status: "True", reason: "NotValidatedDryRun", message: "dry-run tenant: roles are not checked against DigiCert" };
    const unknown: string[] = [];
    for (const service of [...new Set(mapping.spec.grants.map((g) => g.service))].sort()) {
      try {
        const catalog = await this.ctx.connections.client(tenant, service).roleCatalog();
        const names = new Set(catalog.map((r) => r.name.toLowerCase()));
        for (const grant of mapping.spec.grants.filter((g) => g.service === service)) {
          if (!names.has(grant.role.toLowerCase())) unknown.push(`${service}: unknown role "${grant.role}" (catalog: ${catalog.map((r) => r.name).join(", ")})`);
        }
      } catch (err) {
        logger.warn({ service, code: isOperatorError(err) ? err.code : undefined, err: messageOf(err) }, "role catalog unavailable");
        const reason =
          isProviderError(err, PROVIDER_ERRORS.UNAVAILABLE) || isProviderError(err, PROVIDER_ERRORS.RATE_LIMITED)
            ? "ServiceUnavailable"
            : isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED)
              ? "AuthenticationFailed"
              : "CatalogUnavailable";
        return { status: reason === "ServiceUnavailable" ? "Unknown" : "False", reason, message: `${service}: role catalog could not be read: ${messageOf(err)}` };
      }
    }
    return unknown.length > 0
      ? { status: "False", reason: "UnknownRole", message: unknown.join("; ") }
      : { status: "True", reason: "GrantsValid", message: `every grant names a role in its service's catalog` };
  }
}
