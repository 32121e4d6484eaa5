import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveBinaries } from "./assets.js";
import { EnvtestError } from "./errors.js";

describe("resolveBinaries", () => {
  it("names the missing binary and how to get it, instead of failing later with a stack trace", async () => {
    const empty = await mkdtemp(join(tmpdir(), "dao-assets-"));
    const err = await resolveBinaries("/nonexistent", { KUBEBUILDER_ASSETS: empty }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvtestError);
    expect((err as EnvtestError).code).toBe("ENVTEST_BINARY_MISSING");
    expect((err as EnvtestError).message).toContain(`kubeApiserver not found or not executable at ${empty}/kube-apiserver`);
    expect((err as EnvtestError).message).toContain("fix: run `npm run controlplane`");
  });

  it("prefers the envtest variables for each binary", async () => {
    const err = (await resolveBinaries("/nonexistent", {
      KUBEBUILDER_ASSETS: "/nowhere",
      TEST_ASSET_ETCD: "/custom/etcd",
    }).catch((e: unknown) => e)) as EnvtestError;
    expect(err.message).toContain("/nowhere/kube-apiserver");
    const etcdErr = (await resolveBinaries("/nonexistent", {
      KUBEBUILDER_ASSETS: process.execPath.replace(/\/node$/, ""),
      TEST_ASSET_KUBE_APISERVER: process.execPath,
      TEST_ASSET_ETCD: "/custom/etcd",
    }).catch((e: unknown) => e)) as EnvtestError;
    expect(etcdErr.message).toContain("etcd not found or not executable at /custom/etcd");
  });
});
