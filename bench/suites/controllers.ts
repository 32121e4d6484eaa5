/**
 * The controllers at scale, against a real kube-apiserver + etcd (src/envtest) and the simulator:
 *
 * 1. Convergence: 10,000 new users (seeded into the API server as the SCIM receiver writes them) are
 *    provisioned into CertCentral by the DigiCertUser controller. Target: within 1.15x the
 *    rate-limit floor, zero 429s. The windows are CertCentral's published ones scaled by 1/30 (100
 *    per 167 ms, 1000 per 6 s) as in the providers benchmark, so the floor is ~2 min instead of
 *    ~60 min; the floor is the greedy schedule of the calls the run made (rateLimitFloorMs).
 * 2. A resync of the converged 10,000 users: zero DigiCert writes, zero Kubernetes writes, and the
 *    cost in list pages.
 * 3. Memory per managed user above the idle operator: measured in the real run at 10,000 users, and
 *    at 10,000 and 50,000 users fed through the same informer cache path (applyWrite) with objects
 *    shaped as the API server serves them, because seeding 50,000 users into etcd on 2 cores takes
 *    longer than the run is worth. Both include the SCIM receiver's store on the controllers'
 *    informers (its indexes), as main.ts composes them.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadavg } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { BenchResult } from "../run.js";
import { API_VERSION, DEPROVISION_FINALIZER } from "../../src/api/v1alpha1/index.js";
import { setupControllers } from "../../src/controllers/index.js";
import { startEnvironment } from "../../src/envtest/environment.js";
import { createRegistry } from "../../src/observability/metrics.js";
import { ProvidersConfigSchema, createProviderRegistry, rateLimitFloorMs, type RateWindow } from "../../src/providers/index.js";
import { KubeClient, Manager, type KubeObject } from "../../src/runtime/index.js";
import type { RequestSpec } from "../../src/runtime/kube-client.js";
import { silentLogger } from "../../src/observability/logger.js";
import { ScimConfigSchema, createKubeScimStore } from "../../src/scim/index.js";
import { startSimulator } from "../../src/simulator/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const USERS = 10_000;
const SCALE = 30;
const WINDOWS: RateWindow[] = [
  { requests: 100, windowMs: Math.round(5_000 / SCALE) },
  { requests: 1000, windowMs: Math.round(180_000 / SCALE) },
];
const MARGIN_MS = 25;
const NS = "bench";

/** Counts the requests that change something, so "zero Kubernetes writes" is measured, not assumed. */
class CountingKubeClient extends KubeClient {
  writes = 0;
  readonly byKind = new Map<string, number>();
  override request<T>(spec: RequestSpec): Promise<T> {
    if ((spec.method ?? "GET") !== "GET") {
      this.writes++;
      const kind = `${spec.method} ${spec.path.replace(/^.*\/namespaces\/[^/]+\/([^/]+)(\/[^/]+)?(\/status)?$/, "$1$3")}`;
      this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    }
    return super.request<T>(spec);
  }
}

const heap = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};
/** A small tenant in its own namespace, run to convergence and stopped before the idle heap is weighed. */
const WARMUP_NS = "warmup";
const WARMUP_USERS = 200;
const path = (ns: string, plural: string, name?: string, sub?: string) => `/apis/digicert-access.io/v1alpha1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}${sub ? `/${sub}` : ""}`;
const userId = (i: number) => `00000000-0000-4000-8000-${i.toString().padStart(12, "0")}`;
const scimOf = (i: number) => ({
  userName: `user-${i}@acme.example`,
  externalId: `00u${i}abcdEFGH`,
  active: true,
  name: { givenName: "Ada", familyName: `Lovelace ${i}`, formatted: `Ada Lovelace ${i}` },
  displayName: `Ada Lovelace ${i}`,
  title: "Engineer",
  emails: [{ value: `user-${i}@acme.example`, type: "work", primary: true }],
  phoneNumbers: [{ value: "+1 555 0100", type: "work" }],
  enterprise: { employeeNumber: String(i), department: "Engineering", manager: { value: "00u1" } },
  groups: [{ value: "g-all", display: "Everyone" }],
  created: "2026-12-03T10:00:00Z",
  lastModified: "2026-12-03T10:00:00Z",
});

async function pool(n: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await fn(next++);
  }));
}

async function seed(client: KubeClient, simUrl: string, apiKey: string, ns: string, users: number): Promise<void> {
  const at = (plural: string, name?: string, sub?: string) => path(ns, plural, name, sub);
  const post = (p: string, body: unknown) => client.request({ method: "POST", path: p, body });
  const scim = (plural: string, kind: string, name: string, status: unknown) =>
    client.request({
      method: "PATCH",
      path: at(plural, name, "status"),
      query: { fieldManager: "digicert-access-scim", force: true },
      contentType: "application/apply-patch+yaml",
      body: { apiVersion: API_VERSION, kind, metadata: { name, namespace: ns }, status: { scim: status } },
    });
  await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const b64 = (v: string) => Buffer.from(v).toString("base64");
  await post(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, data: { key: b64(apiKey), token: b64("scim-token") } });
  await post(at("scimtenants"), {
    apiVersion: API_VERSION,
    kind: "ScimTenant",
    metadata: { name: "acme" },
    spec: {
      scim: { tokenSecretRefs: [{ name: "creds", key: "token" }] },
      services: [{ service: "certcentral", credentialsSecretRef: { name: "creds", key: "key" }, endpoint: simUrl, rateLimits: WINDOWS.map((w) => ({ requests: w.requests, window: `${w.windowMs}ms` })) }],
      resyncPeriod: "24h",
    },
  });
  await post(at("scimgroups"), { apiVersion: API_VERSION, kind: "ScimGroup", metadata: { name: "g-all" }, spec: { tenantRef: { name: "acme" } } });
  await scim("scimgroups", "ScimGroup", "g-all", { displayName: "Everyone" });
  await post(at("groupmappings"), {
    apiVersion: API_VERSION,
    kind: "GroupMapping",
    metadata: { name: "everyone" },
    spec: { tenantRef: { name: "acme" }, group: { displayName: "Everyone" }, grants: [{ service: "certcentral", role: "Standard User" }] },
  });
  await pool(users, 32, async (i) => {
    await post(at("digicertusers"), {
      apiVersion: API_VERSION,
      kind: "DigiCertUser",
      metadata: { name: userId(i), labels: { "scim.digicert-access.io/tenant": "acme" }, finalizers: [DEPROVISION_FINALIZER] },
      spec: { tenantRef: { name: "acme" } },
    });
    await scim("digicertusers", "DigiCertUser", userId(i), scimOf(i));
  });
}

const served = (i: number) =>
  JSON.stringify({
    apiVersion: API_VERSION,
    kind: "DigiCertUser",
    metadata: {
      name: userId(i),
      namespace: NS,
      uid: `6f1c2a3b-${i.toString(16).padStart(8, "0")}-4c5d-8e9f-0a1b2c3d4e5f`,
      resourceVersion: String(100_000 + i),
      generation: 1,
      creationTimestamp: "2026-12-03T10:00:00Z",
      labels: { "scim.digicert-access.io/tenant": "acme" },
      finalizers: ["digicert-access.io/deprovision"],
      managedFields: [{ manager: "digicert-access-scim", operation: "Apply", apiVersion: API_VERSION, time: "2026-12-03T10:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:status": { "f:scim": {} } }, subresource: "status" }],
    },
    spec: { tenantRef: { name: "acme" }, suspend: false },
    status: {
      scim: scimOf(i),
      observedGeneration: 1,
      desired: [{ service: "certcentral", roles: ["Standard User"] }],
      services: [{ service: "certcentral", roles: ["Standard User"], state: "Provisioned", remoteId: String(500_000 + i), lastSyncTime: "2026-12-03T10:00:02Z" }],
      summary: { groups: "Everyone", services: "certcentral:Standard User" },
      conditions: [
        { type: "Synced", status: "True", reason: "Synced", message: "", lastTransitionTime: "2026-12-03T10:00:02Z", observedGeneration: 1 },
        { type: "Ready", status: "True", reason: "Ready", message: "", lastTransitionTime: "2026-12-03T10:00:02Z", observedGeneration: 1 },
      ],
    },
  });

function countCalls(calls: { status: number | string; route: string; method: string }[]) {
  return {
    callCount: calls.length,
    rejected: calls.filter((c) => c.status === 429).length,
    creates: calls.filter((c) => c.route === "POST /services/v2/user").length,
    digicertWrites: calls.filter((c) => c.method !== "GET").length,
    listPages: calls.filter((c) => c.route === "GET /services/v2/user").length,
  };
}

/** The SCIM receiver's store on the controllers' informers, as main.ts builds it. */
const receiverStore = (kc: KubeConfig, client: KubeClient, informers: ReturnType<typeof setupControllers>["informers"], namespace: string) =>
  createKubeScimStore({
    kubeConfig: kc,
    config: ScimConfigSchema.parse({}),
    logger: silentLogger(),
    namespace,
    shared: { client, users: informers.users, groups: informers.groups, tenants: informers.tenants },
  });

/** The operator for one namespace as main.ts composes it: the controllers, and the receiver's store on their informers. */
function operator(kc: KubeConfig, client: KubeClient, namespace: string) {
  const manager = new Manager();
  const setup = setupControllers({
    manager,
    kubeClient: client,
    registry: createProviderRegistry(),
    providersConfig: ProvidersConfigSchema.parse({ rateLimitMarginMs: MARGIN_MS }),
    metricsRegistry: createRegistry({ defaultMetrics: false }),
    namespace,
    config: { workers: { scimTenant: 2, groupMapping: 2, digicertUser: 64 } },
  });
  return { manager, setup, store: receiverStore(kc, client, setup.informers, namespace) };
}

/** Starts the operator and resolves, with the manager's run, once `users` users are Synced. */
async function startAndConverge(op: ReturnType<typeof operator>, users: number, signal: AbortSignal): Promise<{ run: Promise<void> }> {
  const run = op.manager.start(signal);
  await op.store.start();
  const synced = () => op.setup.informers.users.list().filter((u) => u.status?.conditions?.some((c) => c.type === "Synced" && c.status === "True")).length;
  while (synced() < users) await new Promise((r) => setTimeout(r, 200));
  return { run };
}

/** Heap per user of the operator's caches (controllers and receiver) when `count` users pass through the informer path. */
function syntheticBytesPerUser(kc: KubeConfig, count: number): number {
  const manager = new Manager();
  const client = new KubeClient(kc);
  const setup = setupControllers({ manager, kubeClient: client, registry: createProviderRegistry(), providersConfig: ProvidersConfigSchema.parse({}) });
  receiverStore(kc, client, setup.informers, NS);
  const before = heap();
  // Each object is built and parsed inside the loop, so only what the cache keeps stays on the heap.
  for (let i = 0; i < count; i++) setup.informers.users.applyWrite(JSON.parse(served(i)) as KubeObject);
  const after = heap();
  if (setup.informers.users.size !== count) throw new Error("cache incomplete");
  return (after - before) / count;
}

export default async function controllers(): Promise<BenchResult> {
  const env = await startEnvironment({ repoRoot: join(import.meta.dirname, "../..") });
  const sim = await startSimulator({ certcentral: { rateLimits: WINDOWS } });
  const kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfigPath);
  const client = new CountingKubeClient(kc);
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  try {
    const apiKey = sim.sim.options.certcentral.apiKeys[0]!;
    // The idle baseline is a process that has run the operator's code paths (compiled code, agents,
    // pools) but manages no user: a warm-up tenant converges and stops before the weighing.
    await seed(client, sim.urls.certcentral, apiKey, WARMUP_NS, WARMUP_USERS);
    const warm = new AbortController();
    const warmed = await startAndConverge(operator(kc, client, WARMUP_NS), WARMUP_USERS, warm.signal);
    warm.abort();
    await warmed.run;
    sim.sim.reset();
    const seedStarted = performance.now();
    await seed(client, sim.urls.certcentral, apiKey, NS, USERS);
    const seedMs = performance.now() - seedStarted;
    sim.sim.calls.clear();
    client.writes = 0;
    client.byKind.clear();

    const idleHeap = heap();
    const op = operator(kc, client, NS);
    const setup = op.setup;
    const loadBefore = loadavg()[0]!;
    const started = performance.now();
    running = (await startAndConverge(op, USERS, abort.signal)).run;
    const convergeMs = performance.now() - started;
    const loadAfter = loadavg()[0]!;
    // A user counts as converged once its status is cached, which is before its Event is posted:
    // let those writes finish, so the resync below is charged only with what it does itself.
    for (let last = -1; last !== client.writes; ) {
      last = client.writes;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    // Counts only: the call records themselves must not outlive this line, or the weighing below
    // would count the benchmark's own copy of 20,000 records as the operator's memory.
    const { callCount, rejected, creates } = countCalls(sim.sim.calls.calls({ plane: "certcentral" }));
    const floorMs = rateLimitFloorMs(callCount, WINDOWS);
    const ratio = convergeMs / floorMs;
    const k8sWritesConverge = client.writes;
    const writeKinds = [...client.byKind].map(([k, n]) => `${k} ${n}`).join(", ");

    // A resync of the converged tenant: only list pages, nothing written anywhere.
    const seq = sim.sim.calls.calls().at(-1)?.seq ?? 0;
    const writesBefore = client.writes;
    const tenant = setup.informers.tenants.get(NS, "acme")!;
    const resyncStarted = performance.now();
    const drifted = await setup.resync.resyncTenant(tenant);
    const resyncMs = performance.now() - resyncStarted;
    await new Promise((r) => setTimeout(r, 2_000));
    const { digicertWrites, listPages } = countCalls(sim.sim.calls.calls({ since: seq }));
    const k8sWrites = client.writes - writesBefore;
    // The simulator runs in this process: empty it (users and call log) before weighing the operator.
    sim.sim.reset();
    const realBytes = (heap() - idleHeap) / USERS;
    abort.abort();
    await running;
    running = undefined;

    const synthetic10k = syntheticBytesPerUser(kc, 10_000);
    const synthetic50k = syntheticBytesPerUser(kc, 50_000);
    return {
      lines: [
        `users: ${USERS} seeded into the API server in ${(seedMs / 1000).toFixed(1)} s (object + status.scim, as the receiver writes them)`,
        `windows: ${WINDOWS.map((w) => `${w.requests}/${w.windowMs} ms`).join(" + ")} (CertCentral's published limits scaled 1/${SCALE}); 64 DigiCertUser workers`,
        `convergence: ${(convergeMs / 1000).toFixed(1)} s; floor for the ${callCount} calls made: ${(floorMs / 1000).toFixed(1)} s; ratio ${ratio.toFixed(3)}x floor (1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on 2 cores)`,
        `DigiCert calls: ${callCount} (${(callCount / USERS).toFixed(2)} per user), creates ${creates}, 429s ${rejected}; Kubernetes writes by the controllers: ${k8sWritesConverge} (${(k8sWritesConverge / USERS).toFixed(2)} per user: ${writeKinds})`,
        `no-change resync of ${USERS} users: ${listPages} list pages in ${(resyncMs / 1000).toFixed(2)} s, ${drifted} drifted, ${digicertWrites} DigiCert writes, ${k8sWrites} Kubernetes writes`,
        `memory above idle, real run at ${USERS} users (simulator emptied first): ${Math.round(realBytes)} B/user`,
        `memory of the operator's caches, controllers' and receiver's (informer path, objects as served): ${Math.round(synthetic10k)} B/user at 10,000, ${Math.round(synthetic50k)} B/user at 50,000`,
      ],
      targets: [
        { name: "convergence within 1.15x the rate-limit floor", met: ratio <= 1.15, detail: `${ratio.toFixed(3)}x` },
        { name: "zero 429s received", met: rejected === 0, detail: String(rejected) },
        { name: "no-change resync: zero DigiCert writes and zero Kubernetes writes", met: digicertWrites === 0 && k8sWrites === 0 && drifted === 0, detail: `${digicertWrites} / ${k8sWrites}` },
        { name: "memory per managed user < 3 KB (real run, 10,000)", met: realBytes < 3072, detail: `${Math.round(realBytes)} B` },
        { name: "memory per managed user < 3 KB (50,000)", met: synthetic50k < 3072, detail: `${Math.round(synthetic50k)} B` },
      ],
    };
  } finally {
    abort.abort();
    await running?.catch(() => undefined);
    client.close();
    await sim.close();
    await env.stop();
  }
}
