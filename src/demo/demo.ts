import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, loadAllYaml } from "@kubernetes/client-node";
import { type DigiCertUser, GROUP, type ScimTenant, type ServiceName, VERSION } from "../api/v1alpha1/index.js";
import { loadConfig } from "../config.js";
import { startEnvironment } from "../envtest/environment.js";
import { startOperator } from "../main.js";
import { createLogger } from "../observability/logger.js";
import { accessTable, converged, pushOktaSequence, scimClient } from "./provision.js";
import { type RunningSimulator, type SimulatorOptionsInput, startSimulator } from "../simulator/index.js";

export interface DemoOptions {
  repoRoot: string;
  namespace: string;
  /** Folder for connection.json; defaults to .demo in the repository. */
  stateDir: string;
  log: (line: string) => void;
}

/** What other tools (and people) need to talk to the running demo. Keys are only ever added. */
export interface DemoConnection {
  kubeconfig: string;
  namespace: string;
  tenant: string;
  simulatorUrl: string;
  /** The example tenant's SCIM endpoint and a token it accepts: point any SCIM client at them. */
  scimBaseUrl: string;
  scimToken: string;
  /** /metrics, /healthz and /readyz of the operator. */
  metricsUrl: string;
}

export interface RunningDemo {
  connection: DemoConnection;
  stop(): Promise<void>;
}

const FIELD_MANAGER = "digicert-access-demo";
const EXAMPLE_FILES = ["tenant.yaml", "group-mappings.yaml"];

type Plane = keyof RunningSimulator["urls"];
/** Which simulator plane serves each DigiCert service. */
const PLANE: Record<ServiceName, Plane> = {
  certcentral: "certcentral",
  dns: "dns",
  "trust-lifecycle": "digicertOne",
  "software-trust": "digicertOne",
  "document-trust": "digicertOne",
  "iot-trust": "digicertOne",
  "digicert-account": "accountScim",
};

/**
 * The local demo: a real API server (or the cluster in KUBECONFIG with USE_EXISTING_CLUSTER=true),
 * the CRDs, the DigiCert simulator, examples/ applied into one namespace with every DigiCert
 * endpoint pointed at the simulator (which accepts the example Secrets' credentials), and the whole
 * operator. It then pushes an Okta-style provisioning sequence through SCIM, waits for the
 * controllers to converge and prints who has which role in which DigiCert service.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const examples = await loadExamples(options.repoRoot);
  const stoppers: (() => Promise<void>)[] = [];
  const connectionFile = join(options.stateDir, "connection.json");
  const stop = async () => {
    await rm(connectionFile, { force: true });
    for (const s of stoppers.reverse()) await s();
  };
  try {
    const environment = await startEnvironment({ repoRoot: options.repoRoot });
    stoppers.push(() => environment.stop());
    const simulator = await startSimulator(simulatorOptionsFor(examples));
    stoppers.push(() => simulator.close());
    options.log(`DigiCert simulator on ${simulator.url}`);

    const kc = new KubeConfig();
    kc.loadFromFile(environment.kubeconfigPath);
    await ensureNamespace(kc, options.namespace);
    for (const line of await apply(kc, pointAtSimulator(examples, simulator), options.namespace)) options.log(`applied ${line}`);

    const tenant = tenantOf(examples).metadata.name;
    const operator = await startOperator(
      loadConfig(
        [
          ...["--watch-namespace", options.namespace, "--leader-election-namespace", options.namespace],
          ...["--scim-address", "127.0.0.1:0", "--metrics-address", "127.0.0.1:0"],
        ],
        {},
      ),
      { kubeConfig: kc, logger: createLogger({ level: "warn" }) },
    );
    stoppers.push(() => operator.stop());
    const connection: DemoConnection = {
      kubeconfig: resolve(environment.kubeconfigPath),
      namespace: options.namespace,
      tenant,
      simulatorUrl: simulator.url,
      scimBaseUrl: `${operator.scimUrl}/scim/v2/${options.namespace}/${tenant}`,
      scimToken: scimTokenOf(examples),
      metricsUrl: operator.metricsUrl,
    };
    options.log(`operator serving SCIM on ${connection.scimBaseUrl}, metrics on ${connection.metricsUrl}/metrics`);

    await waitFor(() => fetch(`${operator.metricsUrl}/readyz`).then((r) => r.ok, () => false), 30_000);
    const pushed = await pushOktaSequence(scimClient(connection.scimBaseUrl, connection.scimToken));
    options.log(`pushed ${pushed.users} users and ${pushed.groups} groups through SCIM, the way Okta does; waiting for DigiCert to converge ...`);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const listUsers = async () =>
      ((await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: options.namespace, plural: "digicertusers" })) as { items: DigiCertUser[] }).items;
    const done = await waitFor(async () => converged(await listUsers()), 90_000);
    options.log(done ? "converged:" : "not converged yet (see kubectl get dcu); current state:");
    options.log(accessTable(await listUsers()));
    await mkdir(options.stateDir, { recursive: true });
    await writeFile(connectionFile, `${JSON.stringify(connection, null, 2)}\n`);
    return { connection, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function loadExamples(repoRoot: string): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const file of EXAMPLE_FILES) {
    objects.push(...(loadAllYaml(await readFile(join(repoRoot, "examples", file), "utf8")) as KubernetesObject[]));
  }
  return objects;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(250);
  }
  return false;
}

/** The first SCIM token the example tenant accepts, read from the example Secret. */
function scimTokenOf(objects: KubernetesObject[]): string {
  const ref = tenantOf(objects).spec.scim.tokenSecretRefs[0];
  const secret = objects.find((o) => o.kind === "Secret" && o.metadata?.name === ref?.name) as { stringData?: Record<string, string> } | undefined;
  const token = ref ? secret?.stringData?.[ref.key] : undefined;
  if (!token) throw new Error("examples/ holds no SCIM token for the tenant");
  return token;
}

const tenantOf = (objects: KubernetesObject[]) => {
  const tenant = objects.find((o) => o.kind === "ScimTenant");
  if (!tenant) throw new Error("examples/ holds no ScimTenant");
  return tenant as unknown as ScimTenant;
};

/** The simulator accepts exactly the credentials the example tenant's Secrets hold. */
function simulatorOptionsFor(objects: KubernetesObject[]): SimulatorOptionsInput {
  const tenant = tenantOf(objects);
  const keys: Record<Plane, string[]> = { certcentral: [], digicertOne: [], dns: [], accountScim: [] };
  for (const connection of tenant.spec.services) {
    const ref = connection.credentialsSecretRef;
    const secret = objects.find((o) => o.kind === "Secret" && o.metadata?.name === ref.name) as { stringData?: Record<string, string> } | undefined;
    const value = secret?.stringData?.[ref.key];
    if (value) keys[PLANE[connection.service]].push(value);
  }
  return {
    port: 0,
    certcentral: { apiKeys: keys.certcentral },
    digicertOne: { apiKeys: keys.digicertOne },
    dns: { apiKeys: keys.dns },
    accountScim: { tokens: keys.accountScim },
  };
}

function pointAtSimulator(objects: KubernetesObject[], simulator: RunningSimulator): KubernetesObject[] {
  return objects.map((o) => {
    if (o.kind !== "ScimTenant") return o;
    const tenant = structuredClone(o) as unknown as ScimTenant;
    for (const connection of tenant.spec.services) connection.endpoint = simulator.urls[PLANE[connection.service]];
    return tenant as unknown as KubernetesObject;
  });
}

async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
  });
}

/** Server-side applies the objects into the namespace; returns kind/name per object. */
async function apply(kc: KubeConfig, objects: KubernetesObject[], namespace: string): Promise<string[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const applied: string[] = [];
  for (const object of objects) {
    const namespaced = { ...object, metadata: { ...object.metadata, namespace } };
    await client.patch(namespaced, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    applied.push(`${object.kind}/${object.metadata?.name}`);
  }
  return applied;
}
