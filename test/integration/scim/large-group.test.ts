import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapLimit } from "../../../src/scim/store/writer.js";
import { testCluster, type TestCluster } from "../../helpers/kube.js";
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createTenant, scimClient, startReplica, storedGroup, storedUser, type ScimClient, type ScimReplica } from "../../helpers/scim.js";

// A group of 10,000 members pushed the way Entra does it: POST the group, then PATCH members in
// batches. Membership lives on the users, so no object grows with the group (DESIGN.md invariant 3).
const MEMBERS = 10_000;
const BATCH = 500;

let cluster: TestCluster;
let replica: ScimReplica;
let idp: ScimClient;
const TOKEN = "large-group-token-30f7";
const ids: string[] = [];

beforeAll(async () => {
  cluster = await testCluster("scim-large");
  replica = await startReplica(cluster, { maxPageSize: 1000 });
  await createTenant(cluster, "acme", [TOKEN], [replica]);
  idp = scimClient(replica, cluster.namespace, "acme", TOKEN);
  const created = await mapLimit(
    Array.from({ length: MEMBERS }, (_, i) => i),
    16,
    async (i) => (await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: `member${i}@bulk.test`, externalId: `m${i}`, active: true })).body.id as string,
  );
  ids.push(...created);
}, 600_000);

afterAll(async () => {
  await replica?.close();
});

describe(`a group with ${MEMBERS} members`, () => {
  let groupId = "";

  it("accepts the members in batches of PATCH add", async () => {
    expect(new Set(ids).size).toBe(MEMBERS);
    groupId = (await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Everyone", externalId: "all" })).body.id;
    for (let i = 0; i < MEMBERS; i += BATCH) {
      const value = ids.slice(i, i + BATCH).map((id) => ({ value: id }));
      const res = await idp("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "Add", path: "members", value }] });
      expect(res.status).toBe(204);
    }
  }, 600_000);

  it("serves the full member list from the users' index, and the group without members", async () => {
    const full = await idp("GET", `/Groups/${groupId}`);
    expect(full.body.members).toHaveLength(MEMBERS);
    expect(new Set(full.body.members.map((m: { value: string }) => m.value))).toEqual(new Set(ids));
    const lean = await idp("GET", `/Groups/${groupId}?excludedAttributes=members`);
    expect(lean.body).not.toHaveProperty("members");
    expect((await idp("GET", `/Groups?filter=${encodeURIComponent(`members[value eq "${ids[4321]}"]`)}&excludedAttributes=members`)).body.totalResults).toBe(1);
  });

  it("keeps every stored object small", async () => {
    const group = await storedGroup(cluster, groupId);
    expect(JSON.stringify(group).length).toBeLessThan(4096);
    const user = await storedUser(cluster, ids[MEMBERS - 1]!);
    expect(user?.status.scim.groups).toEqual([{ value: groupId }]);
    expect(JSON.stringify(user).length).toBeLessThan(8192);
  });

  it("removes a batch of members and then deletes the group", async () => {
    const gone = ids.slice(0, BATCH);
    const res = await idp("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "Remove", path: "members", value: gone.map((value) => ({ value })) }] });
    expect(res.status).toBe(204);
    expect((await idp("GET", `/Groups/${groupId}`)).body.members).toHaveLength(MEMBERS - BATCH);
    expect((await storedUser(cluster, gone[0]!))?.status.scim.groups ?? []).toEqual([]);
    expect((await idp("DELETE", `/Groups/${groupId}`)).status).toBe(204);
    expect((await storedUser(cluster, ids[MEMBERS - 1]!))?.status.scim.groups ?? []).toEqual([]);
  }, 600_000);
});
