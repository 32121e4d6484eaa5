import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, loadAllYaml, type KubernetesObject } from "@kubernetes/client-node";
import { startEnvironment } from "../envtest/environment.js";

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
}

export interface RunningDemo {
  connection: DemoConnection;
  stop(): Promise<void>;
}

const FIELD_MANAGER = "digicert-access-demo";

/**
 * The local demo: a real API server (or the cluster in KUBECONFIG with USE_EXISTING_CLUSTER=true),
 * the CRDs, and examples/ applied into one namespace.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const environment = await startEnvironment({ repoRoot: options.repoRoot });
  const connectionFile = join(options.stateDir, "connection.json");
  const stop = async () => {
    await rm(connectionFile, { force: true });
    await environment.stop();
  };
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(environment.kubeconfigPath);
    await ensureNamespace(kc, options.namespace);
    const applied = await applyExamples(kc, options.repoRoot, options.namespace);
    for (const line of applied) options.log(`applied ${line}`);

    const connection: DemoConnection = {
      kubeconfig: resolve(environment.kubeconfigPath),
      namespace: options.namespace,
      tenant: "acme",
    };
    await mkdir(options.stateDir, { recursive: true });
    await writeFile(connectionFile, `${JSON.stringify(connection, null, 2)}\n`);
    return { connection, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
  });
}

/** Server-side applies every manifest in examples/ into the namespace; returns kind/name per object. */
export async function applyExamples(kc: KubeConfig, repoRoot: string, namespace: string): Promise<string[]> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const applied: string[] = [];
  for (const file of ["tenant.yaml", "group-mappings.yaml"]) {
    const objects = loadAllYaml(await readFile(join(repoRoot, "examples", file), "utf8")) as KubernetesObject[];
    for (const object of objects) {
      object.metadata = { ...object.metadata, namespace };
      await client.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      applied.push(`${object.kind}/${object.metadata.name}`);
    }
  }
  return applied;
}
