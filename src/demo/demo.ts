import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, loadAllYaml } from "@kubernetes/client-node";
import type { ScimTenant, ServiceName } from "../api/v1alpha1/index.js";
import { startEnvironment } from "../envtest/environment.js";
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
 * the CRDs, the DigiCert simulator, and examples/ applied into one namespace with every DigiCert
 * endpoint pointed at the simulator, which accepts the example Secrets' credentials.
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

    const connection: DemoConnection = {
      kubeconfig: resolve(environment.kubeconfigPath),
      namespace: options.namespace,
      tenant: tenantOf(examples).metadata.name,
      simulatorUrl: simulator.url,
    };
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
