import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../helpers/fault-proxy.js";
import { crdPath, testCluster, type TestCluster } from "../../helpers/kube.js";
import { USER_SCHEMA, createTenant, scimClient, startReplica, storedUser, type ScimClient, type ScimReplica } from "../../helpers/scim.js";

// The receiver talks to the real API server through a proxy that fails chosen requests, to show
// that a failure between the writes of a create answers 503 and the IdP's retry converges.
let cluster: TestCluster;
let proxy: FaultProxy;
let replica: ScimReplica;
let idp: ScimClient;
const TOKEN = "faults-token-6d1e";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

beforeAll(async () => {
  cluster = await testCluster("scim-faults");
  proxy = await FaultProxy.start(cluster.kc);
  replica = await startReplica(cluster, {}, proxy.kubeConfig());
  await createTenant(cluster, "acme", [TOKEN], [replica]);
  idp = scimClient(replica, cluster.namespace, "acme", TOKEN);
});

afterAll(async () => {
  await replica?.close();
  await proxy?.close();
});

async function usersNamed(userName: string): Promise<{ metadata: { name: string }; status?: { scim?: { userName: string } } }[]> {
  const list = (await cluster.custom.listNamespacedCustomObject({ ...crdPath("DigiCertUser"), namespace: cluster.namespace })) as { items: { metadata: { name: string }; status?: { scim?: { userName: string } } }[] };
  return list.items.filter((u) => u.status?.scim?.userName === userName || !u.status?.scim);
}

describe("API server failures", () => {
  it("answers 503 when the status write fails after the object was created, and the retry completes that object", async () => {
    proxy.failNext(500, (r) => r.method === "PATCH" && r.path.endsWith("/status"));
    const body = { schemas: [USER_SCHEMA], userName: "halfway@example.com", externalId: "hw", active: true };
    const first = await idp("POST", "/Users", body);
    expect(first.status).toBe(503);
    expect(first.headers["retry-after"]).toBe("5");
    expect(first.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "503" });
    const [halfWritten] = await usersNamed("halfway@example.com");
    expect(halfWritten?.status?.scim).toBeUndefined();
    const retry = await idp("POST", "/Users", body);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(halfWritten?.metadata.name);
    expect((await storedUser(cluster, retry.body.id))?.status.scim.userName).toBe("halfway@example.com");
    expect(await usersNamed("halfway@example.com")).toHaveLength(1);
  });

  it("answers 503 when the claim cannot be written, and leaves nothing behind", async () => {
    proxy.failNext(500, (r) => r.method === "POST" && r.path.includes("/configmaps"));
    const res = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "noclaim@example.com", active: true });
    expect(res.status).toBe(503);
    const retry = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "noclaim@example.com", active: true });
    expect(retry.status).toBe(201);
  });

  it("fails only the Bulk operation whose write failed, keeps the results of the others, and counts it for failOnErrors", async () => {
    const existing = (await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "bulk-target@example.com", active: true })).body.id as string;
    const statusWriteOf = (id: string) => (r: { method: string; path: string }) => r.method === "PATCH" && r.path.endsWith(`/${id}/status`);
    const retitle = { method: "PATCH", path: `/Users/${existing}`, data: { schemas: [PATCH], Operations: [{ op: "replace", path: "title", value: "x" }] } };
    const create = (n: string) => ({ method: "POST", path: "/Users", bulkId: n, data: { schemas: [USER_SCHEMA], userName: `${n}@example.com` } });
    const ERROR = { schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "503" };

    proxy.failNext(500, statusWriteOf(existing));
    const res = await idp("POST", "/Bulk", { schemas: [BULK], Operations: [create("bulk-before"), retitle, create("bulk-after")] });
    expect(res.status).toBe(200);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(["201", "503", "201"]);
    expect(res.body.Operations[1]).toEqual({ method: "PATCH", status: "503", response: ERROR });
    for (const o of [res.body.Operations[0], res.body.Operations[2]]) expect(await storedUser(cluster, o.location.split("/").pop())).toBeDefined();
    expect((await storedUser(cluster, existing))?.status.scim.title).toBeUndefined();
    expect(replica.logs.some((l) => l.includes("SCIM bulk operation failed") && l.includes("SCIM_ERR_UNAVAILABLE"))).toBe(true);

    proxy.failNext(500, statusWriteOf(existing));
    const stopped = await idp("POST", "/Bulk", { schemas: [BULK], failOnErrors: 1, Operations: [create("bulk-first"), retitle, create("bulk-never")] });
    expect(stopped.body.Operations.map((o: { status: string }) => o.status)).toEqual(["201", "503"]);
    expect((await idp("GET", "/Users?filter=userName%20eq%20%22bulk-never@example.com%22")).body.totalResults).toBe(0);
  });

  it("answers 503, never 500, while the API server is down, and serves cached reads", async () => {
    const id = (await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "cached@example.com", active: true })).body.id;
    proxy.failWith(503);
    try {
      expect((await idp("GET", `/Users/${id}`)).status).toBe(200);
      expect((await idp("GET", "/Users?filter=userName%20eq%20%22cached@example.com%22")).body.totalResults).toBe(1);
      for (const [method, path, body] of [
        ["POST", "/Users", { schemas: [USER_SCHEMA], userName: "down@example.com" }],
        ["PATCH", `/Users/${id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "title", value: "x" }] }],
        ["DELETE", `/Users/${id}`, undefined],
        ["GET", "/Users/not-in-the-cache", undefined],
      ] as const) {
        const res = await idp(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(503);
      }
    } finally {
      proxy.failWith(undefined);
    }
    expect((await storedUser(cluster, id))?.status.scim.title).toBeUndefined();
  });
});
