import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

const repoRoot = inject("repoRoot");

/** Runs a separate vitest on the integration project with `env` on top of a cleaned environment. */
function vitest(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const base = { ...process.env };
  // This run's own vitest state and control-plane settings must not leak into the child.
  for (const key of Object.keys(base)) {
    if (key.startsWith("VITEST") || key.startsWith("TEST_ASSET_") || key === "USE_EXISTING_CLUSTER" || key === "KUBEBUILDER_ASSETS") delete base[key];
  }
  const args = [join(repoRoot, "node_modules/vitest/vitest.mjs"), "run", "--no-color", "--no-cache", "--project", "integration", "test/integration/controlplane/control-plane.test.ts"];
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: repoRoot, env: { ...base, NO_COLOR: "1", ...env }, timeout: 50_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("the test harness's global setup", () => {
  it("fails a run whose control plane cannot start with what failed and how to fix it, and no stack trace", async () => {
    const { code, output } = await vitest({ KUBEBUILDER_ASSETS: "/nonexistent-dao-assets" });
    expect(code).not.toBe(0);
    expect(output).toContain("the test control plane did not start (ENVTEST_BINARY_MISSING):");
    expect(output).toContain("kubeApiserver not found or not executable at /nonexistent-dao-assets/kube-apiserver");
    expect(output).toContain("fix: run `npm run controlplane`");
    // vitest prints stack frames as "❯ function file:line:column".
    expect(output).not.toMatch(/global-setup\.ts:\d+/);
    expect(output).not.toMatch(/❯ .*node_modules\/vitest/);
  });
});
