import { CoordinationV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { startOperator } from "../../../src/main.js";
import { silentLogger } from "../../../src/observability/logger.js";
import { type TestCluster, testCluster } from "../../helpers/kube.js";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await testCluster("operator");
});

describe("startOperator", () => {
  it("serves metrics and health, leads through a Lease, and releases it on stop", async () => {
    const config = loadConfig(
      ["--metrics-address", "127.0.0.1:0", "--scim-address", "127.0.0.1:0", "--leader-election-namespace", cluster.namespace, "--leader-election-identity", "op-a"],
      {},
    );
    const operator = await startOperator(config, { kubeConfig: cluster.kc, logger: silentLogger() });
    try {
      const healthz = await fetch(`${operator.metricsUrl}/healthz`);
      expect(healthz.status).toBe(200);
      const coordination = cluster.kc.makeApiClient(CoordinationV1Api);
      let holder: string | undefined;
      for (let i = 0; i < 100 && holder !== "op-a"; i++) {
        holder = await coordination
          .readNamespacedLease({ namespace: cluster.namespace, name: "digicert-access-operator" })
          .then((l) => l.spec?.holderIdentity, () => undefined);
        if (holder !== "op-a") await new Promise((r) => setTimeout(r, 100));
      }
      expect(holder).toBe("op-a");
      expect((await fetch(`${operator.metricsUrl}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${operator.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(/leader_election_master_status\{name="digicert-access-operator"\} 1/);
      expect(metrics).toMatch(/process_cpu_user_seconds_total/);
    } finally {
      await operator.stop();
    }
    const lease = await cluster.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: cluster.namespace, name: "digicert-access-operator" });
    // Released on a clean stop, so the next replica takes over at once.
    expect(lease.spec?.leaseDurationSeconds).toBe(1);
    await expect(fetch(`${operator.metricsUrl}/healthz`)).rejects.toThrow();
  });
});
