import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { EnvtestError } from "./errors.js";

const run = promisify(execFile);

export interface ControlPlaneBinaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
}

const executable = async (path: string) => {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Finds the control-plane binaries, in this order (the envtest variable names, so people who have
 * kubebuilder assets can reuse them): TEST_ASSET_KUBE_APISERVER / TEST_ASSET_ETCD / TEST_ASSET_KUBECTL,
 * then KUBEBUILDER_ASSETS (a folder holding all three), then the cache that
 * test/controlplane/build.sh fills from the pinned Go modules (built on first use).
 */
export async function resolveBinaries(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<ControlPlaneBinaries> {
  const folder = env.KUBEBUILDER_ASSETS ?? (await buildCache(repoRoot));
  const found: ControlPlaneBinaries = {
    kubeApiserver: env.TEST_ASSET_KUBE_APISERVER ?? join(folder, "kube-apiserver"),
    etcd: env.TEST_ASSET_ETCD ?? join(folder, "etcd"),
    kubectl: env.TEST_ASSET_KUBECTL ?? join(folder, "kubectl"),
  };
  for (const [name, path] of Object.entries(found)) {
    if (!(await executable(path))) {
      throw new EnvtestError(
        "ENVTEST_BINARY_MISSING",
        `${name} not found or not executable at ${path}`,
        "run `npm run controlplane` to build the binaries, or set TEST_ASSET_KUBE_APISERVER, TEST_ASSET_ETCD and TEST_ASSET_KUBECTL (or KUBEBUILDER_ASSETS)",
      );
    }
  }
  return found;
}

async function buildCache(repoRoot: string): Promise<string> {
  const script = resolve(repoRoot, "test/controlplane/build.sh");
  try {
    const { stdout } = await run("bash", [script], { maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60 * 1000 });
    const lines = stdout.trim().split("\n");
    return lines[lines.length - 1] ?? "";
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new EnvtestError(
      "ENVTEST_BUILD_FAILED",
      `building the test control plane failed:\n${stderr.trim().split("\n").slice(-15).join("\n")}`,
      "run `npm run controlplane` to see the whole output",
      err,
    );
  }
}
