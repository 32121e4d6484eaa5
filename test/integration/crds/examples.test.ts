import { beforeAll, describe, expect, it } from "vitest";
import { type TestCluster, loadManifests, testCluster } from "../../helpers/kube.js";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await testCluster("examples");
});

describe("examples/", () => {
  it("every example manifest is accepted by the real API server", async () => {
    const result = await cluster.kubectl(["apply", "--server-side", "-f", `${cluster.repoRoot}/examples/`]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const applied = result.stdout.trim().split("\n");
    const manifests = [
      ...(await loadManifests(cluster.repoRoot, "examples/tenant.yaml")),
      ...(await loadManifests(cluster.repoRoot, "examples/group-mappings.yaml")),
    ];
    expect(applied).toHaveLength(manifests.length);
  });

  it("defaults are filled in by the API server from the schema", async () => {
    const tenant = (await cluster.custom.getNamespacedCustomObject({
      group: "digicert-access.io",
      version: "v1alpha1",
      namespace: cluster.namespace,
      plural: "scimtenants",
      name: "acme",
    })) as { spec: { dryRun: boolean; suspend: boolean; services: { service: string }[] } };
    expect(tenant.spec.dryRun).toBe(false);
    expect(tenant.spec.suspend).toBe(false);
    expect(tenant.spec.services.map((s) => s.service)).toHaveLength(7);
    const mapping = (await cluster.custom.getNamespacedCustomObject({
      group: "digicert-access.io",
      version: "v1alpha1",
      namespace: cluster.namespace,
      plural: "groupmappings",
      name: "legal-signers",
    })) as { spec: { priority: number } };
    expect(mapping.spec.priority).toBe(0);
  });

  it("`kubectl get digicert` lists every kind through the category", async () => {
    const result = await cluster.kubectl(["get", "digicert", "-o", "name"]);
    expect(result.code).toBe(0);
    const kinds = new Set(result.stdout.trim().split("\n").map((line) => line.split("/")[0]));
    expect(kinds).toEqual(new Set(["scimtenant.digicert-access.io", "groupmapping.digicert-access.io"]));
  });
});
