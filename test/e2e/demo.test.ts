import { spawn } from "node:child_process";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { pushOktaSequence, scimClient } from "../../src/demo/provision.js";

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
      expect(Object.keys(connection)).toEqual(expect.arrayContaining(["kubeconfig", "namespace", "tenant", "simulatorUrl", "scimBaseUrl", "scimToken", "metricsUrl"]));
      expect(isAbsolute(connection.kubeconfig ?? "")).toBe(true);
      expect(connection.namespace).toBe("demo-e2e");
      expect(output).toContain(`export KUBECONFIG=${connection.kubeconfig}`);
      // The Okta-style sequence converged and the access table says who has what.
      expect(output).toContain("converged:");
      expect(output).toMatch(/ada\.lovelace@acme\.example\s+true\s+certcentral\s+Administrator\s+Provisioned\s+True/);
      expect(output).toMatch(/linus\.t@acme\.example\s+true\s+software-trust\s+Build Engineer, Signer\s+Provisioned\s+True/);
      expect((await fetch(`${connection.metricsUrl}/metrics`)).status).toBe(200);
      const scim = (path: string, token = connection.scimToken) => fetch(`${connection.scimBaseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const listed = (await (await scim(`/Users?filter=${encodeURIComponent('userName eq "grace.hopper@acme.example"')}`)).json()) as { totalResults: number };
      expect(listed.totalResults).toBe(1);
      expect((await scim("/Users", "wrong-token")).status).toBe(401);
      // Pushed again (a demo run against a cluster that has it already), the sequence links what
      // exists, as Okta does, instead of failing on 409s.
      await expect(pushOktaSequence(scimClient(connection.scimBaseUrl ?? "", connection.scimToken ?? ""))).resolves.toEqual({ users: 3, groups: 4 });
      expect(((await (await scim("/Users")).json()) as { totalResults: number }).totalResults).toBe(3);

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

      const sim = connection.simulatorUrl ?? "";
      // A second tenant created with kubectl while the demo runs is served without a restart.
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedSecret({ namespace: "demo-e2e", body: { metadata: { name: "globex-scim" }, stringData: { token: "globex-token" } } });
      await custom.createNamespacedCustomObject({
        group: "digicert-access.io",
        version: "v1alpha1",
        namespace: "demo-e2e",
        plural: "scimtenants",
        body: {
          apiVersion: "digicert-access.io/v1alpha1",
          kind: "ScimTenant",
          metadata: { name: "globex" },
          spec: { scim: { tokenSecretRefs: [{ name: "globex-scim", key: "token" }] }, services: [{ service: "dns", endpoint: `${sim}/dns`, credentialsSecretRef: { name: "globex-scim", key: "token" } }] },
        },
      });
      const globex = connection.scimBaseUrl?.replace(/\/acme$/, "/globex");
      let served = 0;
      for (let i = 0; i < 100 && served !== 200; i++) {
        served = (await fetch(`${globex}/Users`, { headers: { authorization: "Bearer globex-token" } })).status;
        if (served !== 200) await sleep(100);
      }
      expect(served).toBe(200);

      // Every DigiCert endpoint points at the simulator, which takes the example Secrets' credentials.
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
