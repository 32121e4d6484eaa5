import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { resolveBinaries } from "./assets.js";
import { LocalControlPlane } from "./control-plane.js";
import { installCrds } from "./crds.js";
import { EnvtestError } from "./errors.js";

export interface Environment {
  kubeconfigPath: string;
  /** The local control plane, or undefined when an existing cluster is used. */
  controlPlane?: LocalControlPlane;
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  repoRoot: string;
  crdDir?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the local control plane (or, with USE_EXISTING_CLUSTER=true, uses the cluster in
 * KUBECONFIG) and installs the CRDs. Used by the test harness and the demo.
 */
export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
  const env = options.env ?? process.env;
  const crdDir = options.crdDir ?? resolve(options.repoRoot, "crds");
  if (env.USE_EXISTING_CLUSTER === "true") {
    // The cluster is read from the one file the tests will load (they get kubeconfigPath), and from
    // `env` rather than process.env. client-node's loadFromDefault() would do neither, and its last
    // resort (http://localhost:8080) would turn a missing kubeconfig into a confusing connection error.
    const kubeconfigPath = env.KUBECONFIG?.split(delimiter)[0] || join(homedir(), ".kube", "config");
    const fix = "set KUBECONFIG to a kubeconfig file for the cluster, or unset USE_EXISTING_CLUSTER to start a local control plane";
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(kubeconfigPath);
    } catch (cause) {
      throw new EnvtestError("ENVTEST_NO_KUBECONFIG", `USE_EXISTING_CLUSTER=true but ${kubeconfigPath} cannot be read: ${(cause as Error).message}`, fix, cause);
    }
    if (!kc.getCurrentCluster()) {
      throw new EnvtestError("ENVTEST_NO_KUBECONFIG", `USE_EXISTING_CLUSTER=true but ${kubeconfigPath} names no current cluster`, fix);
    }
    await installCrds(kc, crdDir);
    return { kubeconfigPath, stop: async () => {} };
  }
  const binaries = await resolveBinaries(options.repoRoot, env);
  const controlPlane = await LocalControlPlane.start({
    binaries,
    attachOutput: env.KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT === "true",
    startTimeoutMs: env.KUBEBUILDER_CONTROLPLANE_START_TIMEOUT ? Number(env.KUBEBUILDER_CONTROLPLANE_START_TIMEOUT) * 1000 : undefined,
  });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(controlPlane.kubeconfigPath);
    await installCrds(kc, crdDir);
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  return { kubeconfigPath: controlPlane.kubeconfigPath, controlPlane, stop: () => controlPlane.stop() };
}
