import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../../src/api/v1alpha1/index.js";
import { claimName } from "../../../src/scim/store/claims.js";
import { crdPath, testCluster, type TestCluster } from "../../helpers/kube.js";
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createTenant, scimClient, startReplica, storedUser, type ScimReplica } from "../../helpers/scim.js";

// Two receivers on the same API server stand in for two operator replicas behind one Service.
let cluster: TestCluster;
let a: ScimReplica;
let b: ScimReplica;
const TOKEN = "replica-token-1b9e";

beforeAll(async () => {
  cluster = await testCluster("scim-conc");
  [a, b] = await Promise.all([startReplica(cluster), startReplica(cluster)]);
  await createTenant(cluster, "acme", [TOKEN], [a, b]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

const user = (userName: string, externalId: string) => ({ schemas: [USER_SCHEMA], userName, externalId, active: true });

describe("concurrency and crash recovery", () => {
  it("lets exactly one of two replicas create the same userName at once", async () => {
    for (let round = 0; round < 5; round++) {
      const name = `race${round}@example.com`;
      const [ra, rb] = await Promise.all([
        scimClient(a, cluster.namespace, "acme", TOKEN)("POST", "/Users", user(name, `client-a-${round}`)),
        scimClient(b, cluster.namespace, "acme", TOKEN)("POST", "/Users", user(name.toUpperCase(), `client-b-${round}`)),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([201, 409]);
      const loser = ra.status === 409 ? ra : rb;
      expect(loser.body.scimType).toBe("uniqueness");
      const objects = (await cluster.custom.listNamespacedCustomObject({ ...crdPath("DigiCertUser"), namespace: cluster.namespace })) as { items: { status?: { scim?: { userName: string } } }[] };
      expect(objects.items.filter((o) => o.status?.scim?.userName.toLowerCase() === name).length).toBe(1);
    }
  });

  it("gives an identical create replayed on both replicas the same single user", async () => {
    const body = user("twin@example.com", "same-idp-user");
    const [ra, rb] = await Promise.all([
      scimClient(a, cluster.namespace, "acme", TOKEN)("POST", "/Users", body),
      scimClient(b, cluster.namespace, "acme", TOKEN)("POST", "/Users", body),
    ]);
    expect([ra.status, rb.status].every((s) => s === 201 || s === 409)).toBe(true);
    const ids = [ra, rb].filter((r) => r.status === 201).map((r) => r.body.id);
    expect(new Set(ids).size).toBe(1);
  });

  it("replays a group push that changes nothing and refuses one that would rewrite the membership", async () => {
    const idp = scimClient(a, cluster.namespace, "acme", TOKEN);
    const first = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Pushed", members: [] });
    const again = await scimClient(b, cluster.namespace, "acme", TOKEN)("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Pushed", members: [] });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    const member = (await idp("POST", "/Users", user("pushed-member@example.com", "pm"))).body.id;
    const other = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "PUSHED", members: [{ value: member }] });
    expect(other.status).toBe(409);
    expect(await storedUser(cluster, member)).not.toHaveProperty("status.scim.groups");
  });

  it("completes a user left half-written by a crash between the object create and its status write", async () => {
    // What a replica that died after two of its three writes leaves behind: a claim and a bare object.
    const id = "0f0f0f0f-0000-4000-8000-00000000c0de";
    await cluster.core.createNamespacedConfigMap({
      namespace: cluster.namespace,
      body: { metadata: { name: claimName("acme", "user", "crash@example.com") }, data: { id } },
    });
    await cluster.custom.createNamespacedCustomObject({
      ...crdPath("DigiCertUser"),
      namespace: cluster.namespace,
      body: { apiVersion: API_VERSION, kind: "DigiCertUser", metadata: { name: id }, spec: { tenantRef: { name: "acme" } } },
    });
    const idp = scimClient(a, cluster.namespace, "acme", TOKEN);
    const retry = await idp("POST", "/Users", user("Crash@example.com", "crash-1"));
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(id);
    expect((await storedUser(cluster, id))?.status.scim.userName).toBe("Crash@example.com");
  });

  it("replaces a stale claim whose user is gone", async () => {
    await cluster.core.createNamespacedConfigMap({
      namespace: cluster.namespace,
      body: { metadata: { name: claimName("acme", "user", "ghost@example.com") }, data: { id: "no-such-user" } },
    });
    const res = await scimClient(b, cluster.namespace, "acme", TOKEN)("POST", "/Users", user("ghost@example.com", "ghost"));
    expect(res.status).toBe(201);
  });

  it("keeps both replicas' membership changes to one user (no lost update)", async () => {
    const idpA = scimClient(a, cluster.namespace, "acme", TOKEN);
    const idpB = scimClient(b, cluster.namespace, "acme", TOKEN);
    const member = (await idpA("POST", "/Users", user("member@example.com", "member"))).body.id;
    const g1 = (await idpA("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "G1" })).body.id;
    const g2 = (await idpA("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "G2" })).body.id;
    const add = (g: string) => ({ schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: member }] }] });
    const [r1, r2] = await Promise.all([idpA("PATCH", `/Groups/${g1}`, add(g1)), idpB("PATCH", `/Groups/${g2}`, add(g2))]);
    expect([r1.status, r2.status]).toEqual([204, 204]);
    const groups = (await storedUser(cluster, member))?.status.scim.groups.map((g: { value: string }) => g.value).sort();
    expect(groups).toEqual([g1, g2].sort());
  });

  it("serves a tenant created after the receivers started, without a restart", async () => {
    await createTenant(cluster, "late", ["late-token"], [a, b]);
    const res = await scimClient(b, cluster.namespace, "late", "late-token")("GET", "/Users");
    expect(res.status).toBe(200);
    expect((await scimClient(b, cluster.namespace, "late", TOKEN)("GET", "/Users")).status).toBe(401);
  });
});
