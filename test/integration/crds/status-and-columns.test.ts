import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { type TestCluster, apiMessage, crdPath, testCluster } from "../../helpers/kube.js";

let cluster: TestCluster;
const dcu = () => ({ ...crdPath("DigiCertUser"), namespace: cluster.namespace });
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

type User = { metadata: { generation: number }; spec: { suspend: boolean }; status?: { scim?: { userName: string } } };

beforeAll(async () => {
  cluster = await testCluster("status");
});

describe("status subresource", () => {
  it("drops status sent with a create or a main-resource patch, and accepts it through /status", async () => {
    const name = "3f1e6c0a-0000-4000-8000-000000000001";
    const created = (await cluster.custom.createNamespacedCustomObject({
      ...dcu(),
      body: {
        apiVersion: "digicert-access.io/v1alpha1",
        kind: "DigiCertUser",
        metadata: { name },
        spec: { tenantRef: { name: "acme" } },
        status: { scim: { userName: "sneaky@example.com", active: true } },
      },
    })) as User;
    expect(created.status).toBeUndefined();

    const patched = (await cluster.custom.patchNamespacedCustomObject(
      { ...dcu(), name, body: { spec: { suspend: true }, status: { scim: { userName: "sneaky@example.com", active: true } } } },
      merge,
    )) as User;
    expect(patched.spec.suspend).toBe(true);
    expect(patched.status).toBeUndefined();
    expect(patched.metadata.generation).toBe(2);

    const withStatus = (await cluster.custom.patchNamespacedCustomObjectStatus(
      { ...dcu(), name, body: { spec: { suspend: false }, status: { scim: { userName: "ada@example.com", active: true } } } },
      merge,
    )) as User;
    expect(withStatus.status?.scim?.userName).toBe("ada@example.com");
    // A status write changes neither spec nor generation.
    expect(withStatus.spec.suspend).toBe(true);
    expect(withStatus.metadata.generation).toBe(2);
  });

  it("validates status against the schema too", async () => {
    const name = "3f1e6c0a-0000-4000-8000-000000000002";
    await cluster.custom.createNamespacedCustomObject({
      ...dcu(),
      body: { apiVersion: "digicert-access.io/v1alpha1", kind: "DigiCertUser", metadata: { name }, spec: { tenantRef: { name: "acme" } } },
    });
    const err = await cluster.custom
      .patchNamespacedCustomObjectStatus(
        { ...dcu(), name, body: { status: { conditions: [{ type: "Ready", status: "Maybe", reason: "X", message: "", lastTransitionTime: now() }] } } },
        merge,
      )
      .then(() => undefined, (e: unknown) => e);
    expect(apiMessage(err)).toMatch(/status\.conditions\[0\]\.status: Unsupported value: "Maybe"/);
  });
});

describe("printer columns", () => {
  it("`kubectl get dcu` reads like an access report", async () => {
    const name = "3f1e6c0a-0000-4000-8000-000000000003";
    await cluster.custom.createNamespacedCustomObject({
      ...dcu(),
      body: { apiVersion: "digicert-access.io/v1alpha1", kind: "DigiCertUser", metadata: { name }, spec: { tenantRef: { name: "acme" } } },
    });
    await cluster.custom.patchNamespacedCustomObjectStatus(
      {
        ...dcu(),
        name,
        body: {
          status: {
            scim: { userName: "grace@example.com", active: false },
            summary: { groups: "PKI-Admins,Web-Team", services: "certcentral:Administrator,dns:Administrator" },
            conditions: [{ type: "Synced", status: "True", reason: "Synced", message: "in sync", lastTransitionTime: now() }],
          },
        },
      },
      merge,
    );
    const out = await cluster.kubectl(["get", "dcu", name]);
    expect(out.code).toBe(0);
    const [header, row] = out.stdout.trim().split("\n").map((line) => line.trim().split(/\s{2,}|\s+(?=\S)/));
    expect(header).toEqual(["NAME", "USERNAME", "ACTIVE", "GROUPS", "SERVICES", "SYNCED", "AGE"]);
    expect(row?.slice(0, 6)).toEqual([name, "grace@example.com", "false", "PKI-Admins,Web-Team", "certcentral:Administrator,dns:Administrator", "True"]);
  });

  it("`kubectl get st` shows readiness and counts, `kubectl get gm` the tenant and group", async () => {
    await cluster.kubectl(["apply", "-f", `${cluster.repoRoot}/examples/`]);
    await cluster.custom.patchNamespacedCustomObjectStatus(
      {
        ...crdPath("ScimTenant"),
        namespace: cluster.namespace,
        name: "acme",
        body: { status: { users: 12, groups: 3, conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "ok", lastTransitionTime: now() }] } },
      },
      merge,
    );
    const tenants = await cluster.kubectl(["get", "st", "acme", "--no-headers"]);
    expect(tenants.stdout.trim().split(/\s+/).slice(0, 4)).toEqual(["acme", "True", "12", "3"]);
    const mappings = await cluster.kubectl(["get", "gm", "web-team", "--no-headers"]);
    expect(mappings.stdout.trim().split(/\s+/).slice(0, 2)).toEqual(["web-team", "acme"]);
  });
});
