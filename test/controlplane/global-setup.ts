import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { type Environment, startEnvironment } from "../../src/envtest/environment.js";
import { EnvtestError } from "../../src/envtest/errors.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
    repoRoot: string;
  }
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
let environment: Environment | undefined;

/** One control plane per test run; every test file works in a namespace of its own. */
export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  try {
    environment = await startEnvironment({ repoRoot });
  } catch (err) {
    // A person reads this, not a stack trace: what failed and how to fix it. vitest prints a
    // globalSetup error as its name, message and the frames parsed from `stack`; a stack holding
    // only the message leaves no frames, so the fix is the last thing on screen. Anything that is
    // not an EnvtestError is a bug in the harness, and keeps its stack.
    if (err instanceof EnvtestError) {
      const failure = new Error(`the test control plane did not start (${err.code}):\n${err.message}`);
      failure.stack = failure.message;
      throw failure;
    }
    throw err;
  }
  process.stderr.write(`test control plane ready in ${((Date.now() - started) / 1000).toFixed(1)}s (${environment.kubeconfigPath})\n`);
  project.provide("kubeconfig", environment.kubeconfigPath);
  project.provide("kubectl", environment.controlPlane?.binaries.kubectl ?? process.env.TEST_ASSET_KUBECTL ?? "kubectl");
  project.provide("repoRoot", repoRoot);
}

export async function teardown(): Promise<void> {
  await environment?.stop();
}
