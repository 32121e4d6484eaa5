import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { inject } from "vitest";
import { GROUP, VERSION } from "../../src/api/v1alpha1/index.js";

const run = promisify(execFile);

export interface TestCluster {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
  kubeconfig: string;
  repoRoot: string;
  /** Runs the kubectl that matches the control plane, in the test's namespace. */
  kubectl(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string; code: number }>;
}

/** A client for the shared test control plane and a fresh namespace for this test file. */
export async function testCluster(prefix: string): Promise<TestCluster> {
  const kubeconfig = inject("kubeconfig");
  const kubectlBin = inject("kubectl");
  const repoRoot = inject("repoRoot");
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const kubectl = (args: string[], stdin?: string) =>
    new Promise<{ stdout: string; stderr: string; code: number }>((done) => {
      const child = execFile(kubectlBin, ["--kubeconfig", kubeconfig, "-n", namespace, ...args], (err, stdout, stderr) =>
        done({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  return { kc, core, custom, namespace, kubeconfig, repoRoot, kubectl };
}

/** The plural resource name for one of our kinds. */
export const plural = (kind: string) => `${kind.toLowerCase()}s`;

export const crdPath = (kind: string) => ({ group: GROUP, version: VERSION, plural: plural(kind) });

/** Parses multi-document YAML from a file relative to the repository root. */
export async function loadManifests(repoRoot: string, file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(repoRoot, file), "utf8");
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}

/** The API server's message for a rejected request, parsed from the Status body. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      return (JSON.parse(String(err.body)) as { message?: string }).message ?? String(err.body);
    } catch {
      return String(err.body);
    }
  }
  throw err;
}

export { run as execFileAsync };
