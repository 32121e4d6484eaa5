import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startEnvironment } from "./environment.js";
import { EnvtestError } from "./errors.js";

// The existing-cluster branch must never start etcd or kube-apiserver: every process the harness
// starts goes through startProcess, so a call to it fails the test.
vi.mock("./processes.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./processes.js")>()),
  startProcess: vi.fn(() => {
    throw new Error("startProcess called: the existing-cluster branch must not start processes");
  }),
}));

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
    scope: "Namespaced",
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
  },
};

let server: Server | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Stands in for the existing cluster's API server, answering only the CRD calls installCrds makes. */
async function existingCluster(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ...CRD, status: { conditions: [{ type: "Established", status: "True" }] } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function tempDirs(): Promise<{ dir: string; crdDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "dao-existing-"));
  dirs.push(dir);
  const crdDir = join(dir, "crds");
  await mkdir(crdDir);
  await writeFile(join(crdDir, "widgets.yaml"), stringify(CRD));
  return { dir, crdDir };
}

describe("startEnvironment with USE_EXISTING_CLUSTER=true", () => {
  it("uses the cluster of the first file in KUBECONFIG, installs the CRDs there and starts nothing", async () => {
    const cluster = await existingCluster();
    const { dir, crdDir } = await tempDirs();
    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(
      kubeconfigPath,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "existing", cluster: { server: cluster.url, "insecure-skip-tls-verify": true } }],
        users: [{ name: "admin", user: { token: "existing-cluster-token" } }],
        contexts: [{ name: "existing", context: { cluster: "existing", user: "admin" } }],
        "current-context": "existing",
      }),
    );
    const environment = await startEnvironment({
      repoRoot: "/nonexistent",
      crdDir,
      // KUBEBUILDER_ASSETS would make a local start fail at once, should the branch fall through.
      env: { USE_EXISTING_CLUSTER: "true", KUBECONFIG: [kubeconfigPath, join(dir, "other")].join(delimiter), KUBEBUILDER_ASSETS: "/nonexistent" },
    });

    expect(environment.kubeconfigPath).toBe(kubeconfigPath);
    expect(environment.controlPlane).toBeUndefined();
    expect(cluster.requests).toEqual([
      "POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions Bearer existing-cluster-token",
      "GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com Bearer existing-cluster-token",
    ]);
    await environment.stop(); // nothing to stop: the cluster is not ours
    expect(cluster.requests).toHaveLength(2);
  });

  it("names the unreadable kubeconfig and how to fix it, instead of falling back to localhost:8080", async () => {
    const { dir, crdDir } = await tempDirs();
    const missing = join(dir, "no-such-kubeconfig");
    const err = await startEnvironment({ repoRoot: "/nonexistent", crdDir, env: { USE_EXISTING_CLUSTER: "true", KUBECONFIG: missing } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvtestError);
    expect((err as EnvtestError).code).toBe("ENVTEST_NO_KUBECONFIG");
    expect((err as EnvtestError).message).toContain(`USE_EXISTING_CLUSTER=true but ${missing} cannot be read`);
    expect((err as EnvtestError).message).toContain("fix: set KUBECONFIG to a kubeconfig file for the cluster");
  });
});
