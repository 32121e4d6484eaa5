import type { Registry } from "prom-client";
import type { DigiCertUser, GroupMapping, ScimGroup, ScimTenant } from "../api/v1alpha1/index.js";
import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { SharedHttpState, type ProviderRegistry, type ProvidersConfig } from "../providers/index.js";
import { type Clock, systemClock } from "../runtime/timing.js";
import { Controller, type Informer, type KubeClient, type Manager, type ReconcileRequest, type RuntimeMetrics } from "../runtime/index.js";
import { createRegistry } from "../observability/metrics.js";
import { ControllersConfigSchema, type ControllersConfig } from "./config.js";
import { DigiCertUserReconciler } from "./digicert-user/reconciler.js";
import { DriftHints } from "./digicert-user/drift-hints.js";
import { TenantResync } from "./digicert-user/resync.js";
import { GroupMappingReconciler } from "./group-mapping/reconciler.js";
import { mappingMatches } from "./group-mapping/matching.js";
import { ControllerMetrics } from "./metrics.js";
import { ScimTenantReconciler } from "./scim-tenant/reconciler.js";
import { Connections } from "./shared/connections.js";
import type { ControllerContext } from "./shared/context.js";
import { KubeWrites, sameJson } from "./shared/kube-writes.js";
import { BY_GROUP, BY_SECRET, BY_TENANT, type ControllerInformers, createInformers, tenantKey, tenantKeyOf } from "./shared/resources.js";

export interface SetupOptions {
  manager: Manager;
  kubeClient: KubeClient;
  registry: ProviderRegistry;
  providersConfig: ProvidersConfig;
  /** The process's prom-client registry (controllers' and providers' metrics). */
  metricsRegistry?: Registry;
  /** The runtime's controller_runtime_* / workqueue_* families on the same registry. */
  runtimeMetrics?: RuntimeMetrics;
  logger?: Logger;
  clock?: Clock;
  /** The process's per-API-key windows and breakers; pass the one the rest of the process uses. Defaults to a new one. */
  httpState?: SharedHttpState;
  /** Only this namespace; every namespace when omitted. */
  namespace?: string;
  config?: Partial<ControllersConfig> | ControllersConfig;
  /** Relist period of the informers (tests shorten it). */
  relistIntervalMs?: number;
  /** Objects per list page of the informers. */
  pageSize?: number;
}

export interface SetupResult {
  informers: ControllerInformers;
  controllers: { scimTenant: Controller; groupMapping: Controller; digicertUser: Controller };
  resync: TenantResync;
  metrics: ControllerMetrics;
}

/**
 * Builds the three controllers, their shared informers and the drift resync, and adds them to the
 * manager (informers on every replica; controllers and resync on the leader only). The event wiring
 * below decides which objects a change enqueues, so each controller sees exactly the affected work.
 */
export function setupControllers(options: SetupOptions): SetupResult {
  const config = ControllersConfigSchema.parse(options.config ?? {});
  const logger = (options.logger ?? silentLogger()).child({ component: "controllers" });
  const clock = options.clock ?? systemClock;
  const informers = createInformers(options.kubeClient, { namespace: options.namespace, logger, relistIntervalMs: options.relistIntervalMs, pageSize: options.pageSize });
  for (const informer of Object.values(informers) as Informer<never>[]) options.manager.addInformer(informer);
  const metricsRegistry = options.metricsRegistry ?? createRegistry({ defaultMetrics: false });
  const metrics = new ControllerMetrics(metricsRegistry);
  const connections = new Connections(options.registry, informers.secrets, {
    config: options.providersConfig,
    registry: metricsRegistry,
    logger,
    clock,
    shared: options.httpState ?? new SharedHttpState(clock, options.providersConfig),
  });
  const ctx: ControllerContext = {
    informers,
    writes: new KubeWrites(options.kubeClient, config.fieldManager, logger),
    connections,
    registry: options.registry,
    metrics,
    config,
    logger,
    now: () => new Date(clock.now()),
  };
  const hints = new DriftHints();
  const common = { metrics: options.runtimeMetrics, logger };

  const users = informers.users;
  const enqueueTenantUsers = (namespace: string, tenant: string, filter: (u: DigiCertUser) => boolean = () => true) => {
    for (const u of users.byIndex(BY_TENANT, tenantKey(namespace, tenant))) if (filter(u)) userController.enqueue({ namespace, name: u.metadata.name });
  };
  const tenantController = new Controller({
    ...common,
    name: "scimtenant",
    maxConcurrentReconciles: config.workers.scimTenant,
    reconciler: new ScimTenantReconciler(ctx, (namespace, tenant) => enqueueTenantUsers(namespace, tenant, waitingForGuard)),
  });
  const userController = new Controller({
    ...common,
    name: "digicertuser",
    maxConcurrentReconciles: config.workers.digicertUser,
    reconciler: new DigiCertUserReconciler(ctx, hints, (namespace, tenant) => tenantController.enqueue({ namespace, name: tenant })),
  });
  const mappingController = new Controller({ ...common, name: "groupmapping", maxConcurrentReconciles: config.workers.groupMapping, reconciler: new GroupMappingReconciler(ctx) });

  // --- ScimTenant: its own changes, its Secrets, and the users and groups it counts.
  tenantController.watch(informers.tenants);
  const tenantsOfSecret = (s: { metadata?: { namespace?: string; name?: string } }) =>
    informers.tenants.byIndex(BY_SECRET, `${s.metadata?.namespace}/${s.metadata?.name}`).map((t) => ({ namespace: t.metadata.namespace, name: t.metadata.name }));
  tenantController.watch(informers.secrets, tenantsOfSecret);
  const enqueueTenantOf = (o: { metadata: { namespace?: string }; spec: { tenantRef: { name: string } } }) =>
    tenantController.enqueue({ namespace: o.metadata.namespace, name: o.spec.tenantRef.name });
  informers.users.on("add", enqueueTenantOf);
  informers.users.on("delete", enqueueTenantOf);
  informers.users.on("update", (a, b) => {
    if (a.status?.scim?.active !== b.status?.scim?.active || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp) enqueueTenantOf(b);
  });
  informers.groups.on("add", enqueueTenantOf);
  informers.groups.on("delete", enqueueTenantOf);

  // --- GroupMapping: its own changes; groups it may match; membership changes of matched groups.
  mappingController.watch(informers.mappings);
  const mappingsForGroup = (g: ScimGroup) =>
    informers.mappings.byIndex(BY_TENANT, tenantKeyOf(g)).filter((m) => mappingMatches(m, g) || m.status?.matchedGroup?.id === g.metadata.name);
  const enqueueMappings = (ms: GroupMapping[]) => ms.forEach((m) => mappingController.enqueue({ namespace: m.metadata.namespace, name: m.metadata.name }));
  mappingController.watch(informers.groups, (g) => mappingsForGroup(g).map((m) => ({ namespace: m.metadata.namespace, name: m.metadata.name })));
  // A tenant's spec (services enabled, dry-run) decides whether grants are valid; its status does not.
  const tenantMappings = (t: ScimTenant) => enqueueMappings(informers.mappings.byIndex(BY_TENANT, tenantKey(t.metadata.namespace, t.metadata.name)));
  informers.tenants.on("add", tenantMappings);
  informers.tenants.on("delete", tenantMappings);
  informers.tenants.on("update", (a, b) => a.metadata.generation !== b.metadata.generation && tenantMappings(b));
  const membershipChanged = (a: DigiCertUser | undefined, b: DigiCertUser | undefined) => {
    const ids = (u: DigiCertUser | undefined) => new Set((u?.status?.scim?.groups ?? []).map((g) => g.value));
    const before = ids(a);
    const after = ids(b);
    const changed = [...before].filter((g) => !after.has(g)).concat([...after].filter((g) => !before.has(g)));
    const ns = (a ?? b)!.metadata.namespace;
    for (const id of changed) {
      const group = informers.groups.get(ns, id);
      if (group) enqueueMappings(mappingsForGroup(group));
    }
  };
  informers.users.on("add", (u) => membershipChanged(undefined, u));
  informers.users.on("delete", (u) => membershipChanged(u, undefined));
  informers.users.on("update", (a, b) => membershipChanged(a, b));

  // --- DigiCertUser: its own changes, and exactly the users a mapping, group or tenant change affects.
  // The user's own changes, except the controller's writes (status, finalizer): those change
  // nothing the reconcile reads and would only cost a second, idle pass per write.
  userController.watch(informers.users, () => []);
  const enqueueUser = (u: DigiCertUser) => userController.enqueue({ namespace: u.metadata.namespace, name: u.metadata.name });
  informers.users.on("add", enqueueUser);
  informers.users.on("delete", enqueueUser);
  informers.users.on("update", (a, b) => {
    const inputs = (u: DigiCertUser) => [u.metadata.generation, u.metadata.deletionTimestamp, u.spec, u.status?.scim];
    if (!sameJson(inputs(a), inputs(b))) enqueueUser(b);
  });
  const membersOf = (groups: ScimGroup[]) => {
    const out = new Map<string, ReconcileRequest>();
    for (const g of groups) for (const u of users.byIndex(BY_GROUP, `${g.metadata.namespace}/${g.metadata.name}`)) out.set(u.metadata.name, { namespace: u.metadata.namespace, name: u.metadata.name });
    return [...out.values()];
  };
  const groupsMatching = (m: GroupMapping) => informers.groups.byIndex(BY_TENANT, tenantKeyOf(m)).filter((g) => mappingMatches(m, g));
  const onMapping = (a: GroupMapping | undefined, b: GroupMapping | undefined) => {
    // Status-only updates (our own writes) affect nobody.
    if (a && b && sameJson(a.spec, b.spec)) return;
    const affected = membersOf([...(a ? groupsMatching(a) : []), ...(b ? groupsMatching(b) : [])]);
    for (const r of affected) userController.enqueue(r);
  };
  informers.mappings.on("add", (m) => onMapping(undefined, m));
  informers.mappings.on("delete", (m) => onMapping(m, undefined));
  informers.mappings.on("update", (a, b) => onMapping(a, b));
  informers.groups.on("update", (a, b) => {
    if (!sameJson(a.status?.scim, b.status?.scim)) for (const r of membersOf([b])) userController.enqueue(r);
  });
  informers.groups.on("delete", (g) => membersOf([g]).forEach((r) => userController.enqueue(r)));
  informers.tenants.on("add", (t) => enqueueTenantUsers(t.metadata.namespace ?? "", t.metadata.name));
  informers.tenants.on("delete", (t) => enqueueTenantUsers(t.metadata.namespace ?? "", t.metadata.name));
  informers.tenants.on("update", (a: ScimTenant, b: ScimTenant) => {
    const ns = b.metadata.namespace ?? "";
    if (a.metadata.generation !== b.metadata.generation) return enqueueTenantUsers(ns, b.metadata.name);
    const credentials = (t: ScimTenant) => t.status?.conditions?.find((c) => c.type === "CredentialsValid")?.status;
    if (credentials(a) !== credentials(b) && credentials(b) === "True") enqueueTenantUsers(ns, b.metadata.name, (u) => u.status?.conditions?.find((c) => c.type === "Synced")?.status !== "True");
  });

  const resync = new TenantResync(ctx, hints, (namespace, name) => userController.enqueue({ namespace, name }));
  options.manager.add(tenantController);
  options.manager.add(mappingController);
  options.manager.add(userController);
  options.manager.add(resync);
  return { informers, controllers: { scimTenant: tenantController, groupMapping: mappingController, digicertUser: userController }, resync, metrics };
}

/** Users whose deprovisioning the guard held back (or who are waiting to be deprovisioned). */
const waitingForGuard = (u: DigiCertUser) => u.metadata.deletionTimestamp !== undefined || u.status?.scim?.active === false;
