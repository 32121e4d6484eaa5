import { spawn } from "node:child_process";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";

const repoRoot = inject("repoRoot");

async function waitForFile(path: string, timeoutMs: number, exited: () => boolean): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited()) {
    try {
      return await readFile(path, "utf8");
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`${path} did not appear`);
}

describe("npm run demo", () => {
  it("starts the stack, writes connection.json, and stops everything on Ctrl-C", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "dao-demo-"));
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "demo", "--namespace", "demo-e2e", "--state-dir", stateDir], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    try {
      const file = join(stateDir, "connection.json");
      const connection = JSON.parse(await waitForFile(file, 90_000, () => child.exitCode !== null)) as Record<string, string>;
      expect(Object.keys(connection)).toEqual(expect.arrayContaining(["kubeconfig", "namespace", "tenant", "simulatorUrl"]));
      expect(isAbsolute(connection.kubeconfig ?? "")).toBe(true);
      expect(connection.namespace).toBe("demo-e2e");
      expect(output).toContain(`export KUBECONFIG=${connection.kubeconfig}`);

      const kc = new KubeConfig();
      kc.loadFromFile(connection.kubeconfig ?? "");
      const custom = kc.makeApiClient(CustomObjectsApi);
      const tenant = (await custom.getNamespacedCustomObject({
        group: "digicert-access.io",
        version: "v1alpha1",
        namespace: "demo-e2e",
        plural: "scimtenants",
        name: connection.tenant ?? "",
      })) as { metadata: { name: string }; spec: { services: { service: string; endpoint?: string }[] } };
      expect(tenant.metadata.name).toBe("acme");

      // Every DigiCert endpoint points at the simulator, which takes the example Secrets' credentials.
      const sim = connection.simulatorUrl ?? "";
      expect(tenant.spec.services.every((s) => s.endpoint?.startsWith(sim))).toBe(true);
      const certcentral = tenant.spec.services.find((s) => s.service === "certcentral")?.endpoint;
      expect((await fetch(`${certcentral}/user`, { headers: { "X-DC-DEVKEY": "demo-certcentral-key" } })).status).toBe(200);
      expect((await fetch(`${certcentral}/user`, { headers: { "X-DC-DEVKEY": "wrong" } })).status).toBe(403);

      // The README's inspection and fault-injection commands work against it.
      expect((await fetch(`${sim}/_admin/state`)).status).toBe(200);
      const fault = await fetch(`${sim}/_admin/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ plane: "certcentral", kind: "outage", durationMs: 60000 }),
      });
      expect(fault.ok).toBe(true);
      expect((await fetch(`${certcentral}/user`, { headers: { "X-DC-DEVKEY": "demo-certcentral-key" } })).status).toBeGreaterThanOrEqual(500);

      child.kill("SIGINT");
      expect(await exit).toBe(0);
      await expect(stat(file)).rejects.toThrow();
      await expect(stat(connection.kubeconfig ?? "")).rejects.toThrow();
      const after = await custom.listNamespacedCustomObject({ group: "digicert-access.io", version: "v1alpha1", namespace: "demo-e2e", plural: "scimtenants" }).then(
        () => "still answering",
        (e: { code?: string }) => e.code ?? "refused",
      );
      expect(after).not.toBe("still answering");
      await expect(fetch(`${sim}/_admin/state`)).rejects.toThrow();
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});
