import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { API_VERSION, type DigiCertUser, type ScimTenant } from "../../../src/api/v1alpha1/index.js";
import { setupControllers, type SetupOptions, type SetupResult } from "../../../src/controllers/index.js";
import { createLogger } from "../../../src/observability/logger.js";
import { createRegistry } from "../../../src/observability/metrics.js";
import { createProviderRegistry } from "../../../src/providers/index.js";
import { KubeClient, Manager, RuntimeMetrics } from "../../../src/runtime/index.js";
import { startSimulator, type RunningSimulator } from "../../../src/simulator/index.js";
import type { CallRecord } from "../../../src/simulator/faults.js";
import { testCluster, type TestCluster } from "../../helpers/kube.js";
import { testHttpConfig } from "../../helpers/providers.js";

/** The DigiCert credentials the simulator accepts; tests assert they never leak. */
export const SECRET_VALUES = ["sim-certcentral-key", "sim-dns-key", "scim-bearer-token-value"];

export type Tenant = ScimTenant;
export type User = DigiCertUser;

export interface Operator {
  cluster: TestCluster;
  ns: string;
  client: KubeClient;
  setup: SetupResult;
  metrics: () => Promise<string>;
  logs: string[];
  stop(): Promise<void>;
}

/** One simulator per test file; the certcentral plane without rate limits so tests run at full speed. */
export const simulator = () => startSimulator({ certcentral: { rateLimits: [] } });

const path = (plural: string, ns: string, name?: string, sub?: string) =>
  `/apis/digicert-access.io/v1alpha1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}${sub ? `/${sub}` : ""}`;

/** A fresh namespace with the credential Secrets, and the controllers running against it (single replica). */
export async function startOperator(prefix: string, s: RunningSimulator, over: Partial<SetupOptions> = {}): Promise<Operator> {
  const cluster = await testCluster(prefix);
  const ns = cluster.namespace;
  const client = new KubeClient(cluster.kc);
  const b64 = (v: string) => Buffer.from(v).toString("base64");
  await client.request({
    method: "POST",
    path: `/api/v1/namespaces/${ns}/secrets`,
    body: { apiVersion: "v1", kind: "Secret", metadata: { name: "digicert" }, data: { certcentral: b64(s.sim.options.certcentral.apiKeys[0]!), dns: b64(s.sim.options.dns.apiKeys[0]!) } },
  });
  await client.request({ method: "POST", path: `/api/v1/namespaces/${ns}/secrets`, body: { apiVersion: "v1", kind: "Secret", metadata: { name: "scim" }, data: { token: b64(SECRET_VALUES[2]!) } } });
  const logs: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => void (logs.push(String(chunk)), done()) });
  const logger = createLogger({ level: "debug", destination });
  const registry = createRegistry({ defaultMetrics: false });
  const manager = new Manager({ logger });
  const setup = setupControllers({
    manager,
    kubeClient: client,
    registry: createProviderRegistry(),
    providersConfig: testHttpConfig({ maxAttempts: 2, breaker: { failureThreshold: 1000, openMs: 100 } }),
    metricsRegistry: registry,
    runtimeMetrics: new RuntimeMetrics(registry),
    logger,
    namespace: ns,
    ...over,
  });
  const abort = new AbortController();
  const running = manager.start(abort.signal);
  return {
    cluster,
    ns,
    client,
    setup,
    logs,
    metrics: () => registry.metrics(),
    stop: async () => {
      abort.abort();
      await running;
      client.close();
    },
  };
}

export function tenantSpec(s: RunningSimulator, over: Record<string, unknown> = {}) {
  return {
    scim: { tokenSecretRefs: [{ name: "scim", key: "token" }] },
    services: [
      { service: "certcentral", credentialsSecretRef: { name: "digicert", key: "certcentral" }, endpoint: s.urls.certcentral, rateLimits: [{ requests: 100_000, window: "1s" }] },
      { service: "dns", credentialsSecretRef: { name: "digicert", key: "dns" }, endpoint: s.urls.dns, rateLimits: [{ requests: 100_000, window: "1s" }] },
    ],
    ...over,
  };
}

/** Writes objects the way the platform team (spec) and the SCIM receiver (status.scim, its own field manager) do. */
export function kube(op: Operator) {
  const { client, ns } = op;
  const create = (plural: string, kind: string, name: string, spec: unknown) =>
    client.request({ method: "POST", path: path(plural, ns), body: { apiVersion: API_VERSION, kind, metadata: { name, namespace: ns }, spec } });
  const applyScim = (plural: string, kind: string, name: string, scim: unknown) =>
    client.request({
      method: "PATCH",
      path: path(plural, ns, name, "status"),
      query: { fieldManager: "digicert-access-scim", force: true },
      contentType: "application/apply-patch+yaml",
      body: { apiVersion: API_VERSION, kind, metadata: { name, namespace: ns }, status: { scim } },
    });
  const get = <T>(plural: string, name: string) => client.request<T>({ path: path(plural, ns, name) });
  return {
    tenant: (name: string, spec: unknown) => create("scimtenants", "ScimTenant", name, spec),
    getTenant: (name: string) => get<Tenant>("scimtenants", name),
    patchTenant: (name: string, body: unknown) => client.request({ method: "PATCH", path: path("scimtenants", ns, name), contentType: "application/merge-patch+json", body }),
    mapping: (name: string, spec: unknown) => create("groupmappings", "GroupMapping", name, spec),
    patchMapping: (name: string, spec: unknown) =>
      client.request({ method: "PATCH", path: path("groupmappings", ns, name), contentType: "application/merge-patch+json", body: { spec } }),
    getMapping: (name: string) => get<{ status?: { memberCount?: number; matchedGroup?: { displayName: string }; conditions?: { type: string; status: string; reason: string }[] } }>("groupmappings", name),
    group: async (id: string, tenant: string, displayName: string, externalId?: string) => {
      await create("scimgroups", "ScimGroup", id, { tenantRef: { name: tenant } });
      await applyScim("scimgroups", "ScimGroup", id, { displayName, ...(externalId ? { externalId } : {}) });
    },
    renameGroup: (id: string, displayName: string, externalId?: string) => applyScim("scimgroups", "ScimGroup", id, { displayName, ...(externalId ? { externalId } : {}) }),
    user: async (id: string, tenant: string, scim: Partial<ScimUser> & { userName: string }) => {
      await create("digicertusers", "DigiCertUser", id, { tenantRef: { name: tenant } });
      await applyScim("digicertusers", "DigiCertUser", id, scimOf(scim));
    },
    updateUser: (id: string, scim: Partial<ScimUser> & { userName: string }) => applyScim("digicertusers", "DigiCertUser", id, scimOf(scim)),
    getUser: (id: string) => get<User>("digicertusers", id),
    deleteUser: (id: string) => client.request({ method: "DELETE", path: path("digicertusers", ns, id) }),
    deleteTenant: (name: string) => client.request({ method: "DELETE", path: path("scimtenants", ns, name) }),
    events: async () =>
      (await client.request<{ items: { reason: string; message: string; type: string; involvedObject: { name: string } }[] }>({ path: `/api/v1/namespaces/${ns}/events` })).items,
  };
}

type ScimUser = NonNullable<NonNullable<DigiCertUser["status"]>["scim"]>;
const scimOf = (s: Partial<ScimUser> & { userName: string }) => ({
  active: true,
  name: { givenName: "Given", familyName: "Family" },
  emails: [{ value: s.userName, primary: true }],
  ...s,
});

/** DigiCert calls that change something (reads and the DNS session login excluded). */
export const writes = (calls: CallRecord[]) => calls.filter((c) => c.method !== "GET" && !c.route.endsWith("/auth/login"));

export const condition = (obj: { status?: { conditions?: { type: string; status: string; reason: string }[] } } | undefined, type: string) =>
  obj?.status?.conditions?.find((c) => c.type === type);

export const serviceState = (user: User | undefined, service: string) => user?.status?.services?.find((s) => s.service === service);

/**
 * The per-file lifecycle every controller test uses: one simulator for the file, and per test a
 * fresh namespace with the controllers running against it and an emptied simulator.
 */
export function useOperator(prefix: string) {
  const ctx = {} as { s: RunningSimulator; op: Operator; k: ReturnType<typeof kube> };
  beforeAll(async () => {
    ctx.s = await simulator();
  });
  afterAll(() => ctx.s.close());
  beforeEach(async () => {
    ctx.s.sim.reset();
    ctx.op = await startOperator(prefix, ctx.s);
    ctx.k = kube(ctx.op);
  });
  afterEach(() => ctx.op.stop());
  return ctx;
}

/** The value of one exposition line (name plus labels, as prom-client prints them), NaN when absent. */
export async function metricValue(op: Operator, line: string): Promise<number> {
  return Number((await op.metrics()).split("\n").find((l) => l.startsWith(line))?.split(" ").at(-1) ?? NaN);
}
