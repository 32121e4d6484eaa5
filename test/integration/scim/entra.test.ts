import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.js";
import { crdPath, testCluster, type TestCluster } from "../../helpers/kube.js";
import {
  ENTERPRISE,
  PATCH_OP,
  USER_SCHEMA,
  createTenant,
  scimClient,
  startReplica,
  storedUser,
  type ScimClient,
  type ScimReplica,
} from "../../helpers/scim.js";

// The request sequences Entra's provisioning service sends (scim-clients.md §5), both flag modes.
let cluster: TestCluster;
let replica: ScimReplica;
let entra: ScimClient;
const TOKEN = "entra-secret-token-8c2f61";
const q = (filter: string) => encodeURIComponent(filter);

beforeAll(async () => {
  cluster = await testCluster("scim-entra");
  replica = await startReplica(cluster);
  await createTenant(cluster, "contoso", [TOKEN], [replica]);
  entra = scimClient(replica, cluster.namespace, "contoso", TOKEN);
});

afterAll(async () => {
  await replica?.close();
});

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

describe("Entra", () => {
  let userId = "";
  let memberIds: string[] = [];
  let groupId = "";

  it("passes Test Connection: a random GUID filter gets 200 and an empty list", async () => {
    const res = await entra("GET", `/Users?filter=${q('userName eq "9c1bbd4a-64f9-4a3b-8f0e-1d1f5d1c9d6b"')}&aadOptscim062020`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
    expect(res.body.Resources).toEqual([]);
    expect((await entra("GET", `/Groups?filter=${q('displayName eq "x"')}`)).body.totalResults).toBe(0);
  });

  it("creates a user after a failed lookup, with the nulls Entra sends", async () => {
    expect((await entra("GET", `/Users?filter=${q('userName eq "Test_User_00aa@contoso.com"')}`)).body.totalResults).toBe(0);
    const res = await entra("POST", "/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName: "Test_User_00aa@contoso.com",
      active: true,
      emails: [{ primary: true, type: "work", value: "Test_User_11bb@testuser.com" }],
      meta: { resourceType: "User" },
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
      addresses: null,
      phoneNumbers: null,
      title: null,
      department: null,
      manager: null,
    });
    expect(res.status).toBe(201);
    userId = res.body.id;
    const stored = (await storedUser(cluster, userId))?.status.scim;
    expect(stored).toMatchObject({ userName: "Test_User_00aa@contoso.com", externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", active: true });
    expect(stored).not.toHaveProperty("title");
    expect(stored).not.toHaveProperty("roles");
    for (const name of ["m1", "m2", "m3"]) {
      const m = await entra("POST", "/Users", { schemas: [USER_SCHEMA], userName: `${name}@contoso.com`, externalId: name, active: true });
      memberIds.push(m.body.id);
    }
  });

  it("finds users by externalId, by work email and by id and manager", async () => {
    expect((await entra("GET", `/Users?filter=${q('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`)).body.totalResults).toBe(1);
    expect((await entra("GET", `/Users?filter=${q('emails[type eq "work"].value eq "test_user_11bb@testuser.com"')}`)).body.totalResults).toBe(1);
    const set = await entra("PATCH", `/Users/${userId}`, patch({ op: "Add", path: "manager", value: [{ $ref: null, value: memberIds[0] }] }));
    expect(set.status).toBe(200);
    const both = await entra("GET", `/Users?filter=${q(`id eq "${userId}" and manager eq "${memberIds[0]}"`)}`);
    expect(both.body.totalResults).toBe(1);
    const changed = await entra("PATCH", `/Users/${userId}`, patch({ op: "Replace", path: "manager", value: memberIds[1] }));
    expect(changed.body[ENTERPRISE].manager.value).toBe(memberIds[1]);
    const removed = await entra("PATCH", `/Users/${userId}`, patch({ op: "Replace", path: "manager", value: "" }));
    expect(removed.body[ENTERPRISE]?.manager).toBeUndefined();
    expect((await storedUser(cluster, userId))?.status.scim.enterprise?.manager).toBeUndefined();
  });

  it("updates attributes with one Replace per attribute (legacy) and with a path-less value (flag mode)", async () => {
    const legacy = await entra(
      "PATCH",
      `/Users/${userId}`,
      patch(
        { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" },
        { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
        { op: "Add", path: "nickName", value: "Babs" },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "Aklq" },
      ),
    );
    expect(legacy.status).toBe(200);
    let stored = (await storedUser(cluster, userId))?.status.scim;
    expect(stored.emails).toEqual([{ primary: true, type: "work", value: "updatedEmail@microsoft.com" }]);
    expect(stored).toMatchObject({ nickName: "Babs", name: { familyName: "updatedFamilyName" }, enterprise: { employeeNumber: "Aklq" } });
    const flag = await entra(
      "PATCH",
      `/Users/${userId}`,
      patch(
        { op: "replace", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" },
        { op: "replace", value: { displayName: "Bjfe", "name.givenName": "Kkom", [`${ENTERPRISE}:department`]: "Ops" } },
      ),
    );
    expect(flag.status).toBe(200);
    stored = (await storedUser(cluster, userId))?.status.scim;
    expect(stored).toMatchObject({ displayName: "Bjfe", name: { givenName: "Kkom" }, enterprise: { department: "Ops" }, phoneNumbers: [{ type: "mobile", value: "+1 555 0100" }] });
  });

  it.each([
    ["legacy", { op: "Replace", path: "active", value: "False" }, { op: "Replace", path: "active", value: "True" }],
    ["flag mode", { op: "replace", path: "active", value: false }, { op: "replace", path: "active", value: true }],
    ["Add on active", { op: "Add", path: "active", value: "false" }, { op: "Add", path: "active", value: "true" }],
  ])("disables and re-enables a user (%s)", async (_mode, off, on) => {
    expect((await entra("PATCH", `/Users/${userId}`, patch(off))).body.active).toBe(false);
    expect((await storedUser(cluster, userId))?.status.scim.active).toBe(false);
    expect((await entra("GET", `/Users/${userId}`)).status).toBe(200);
    expect((await entra("PATCH", `/Users/${userId}`, patch(on))).body.active).toBe(true);
    expect((await storedUser(cluster, userId))?.status.scim.active).toBe(true);
  });

  it("provisions a group and its membership in both flag modes", async () => {
    const lookup = await entra("GET", `/Groups?excludedAttributes=members&filter=${q('displayName eq "Sales"')}`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await entra("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Sales",
      meta: { resourceType: "Group" },
    });
    expect(created.status).toBe(201);
    groupId = created.body.id;
    const add = await entra("PATCH", `/Groups/${groupId}`, patch({ op: "Add", path: "members", value: [...memberIds, userId].map((value) => ({ $ref: null, value })) }));
    expect(add.status).toBe(204);
    const read = await entra("GET", `/Groups/${groupId}?excludedAttributes=members`);
    expect(read.body).not.toHaveProperty("members");
    expect(read.body.externalId).toBe("8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    // legacy removal: Remove at members with a value array removes only those
    const legacy = await entra("PATCH", `/Groups/${groupId}`, patch({ op: "Remove", path: "members", value: [{ value: memberIds[0] }] }));
    expect(legacy.status).toBe(204);
    // flag mode removal by filter
    const flag = await entra("PATCH", `/Groups/${groupId}`, patch({ op: "remove", path: `members[value eq "${memberIds[1]}"]` }));
    expect(flag.status).toBe(204);
    const members = (await entra("GET", `/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value).sort();
    expect(members).toEqual([memberIds[2], userId].sort());
    expect((await storedUser(cluster, memberIds[0]!))?.status.scim.groups ?? []).toEqual([]);
    expect((await storedUser(cluster, memberIds[2]!))?.status.scim.groups).toEqual([{ value: groupId }]);
    const rename = await entra("PATCH", `/Groups/${groupId}`, patch({ op: "Replace", path: "displayName", value: "Sales EMEA" }));
    expect(rename.status).toBe(204);
    expect((await entra("GET", `/Groups?filter=${q('displayName eq "sales emea"')}&excludedAttributes=members`)).body.totalResults).toBe(1);
  });

  it("hard-deletes a user: 404 at once, gone from groups, and the userName can be created again", async () => {
    const del = await entra("DELETE", `/Users/${userId}`);
    expect(del.status).toBe(204);
    expect((await entra("GET", `/Users/${userId}`)).status).toBe(404);
    expect((await entra("GET", `/Users?filter=${q('userName eq "Test_User_00aa@contoso.com"')}`)).body.totalResults).toBe(0);
    const members = (await entra("GET", `/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value);
    expect(members).toEqual([memberIds[2]]);
    const again = await entra("POST", "/Users", { schemas: [USER_SCHEMA], userName: "test_user_00aa@contoso.com", externalId: "new-object", active: true });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(userId);
    expect((await entra("DELETE", `/Users/${userId}`)).status).toBe(404);
  });

  it("re-creates a userName while the deleted user still waits on its deprovisioning finalizer", async () => {
    const FINALIZER = "digicert-access.io/deprovision";
    const body = { schemas: [USER_SCHEMA], userName: "leaver@contoso.com", externalId: "leaver-1", active: true };
    const oldId = (await entra("POST", "/Users", body)).body.id as string;
    const group = (await entra("POST", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Leavers", externalId: "leavers" })).body.id as string;
    expect((await entra("PATCH", `/Groups/${group}`, patch({ op: "Add", path: "members", value: [{ value: oldId }] }))).status).toBe(204);
    // What the controller does: a finalizer keeps the object until DigiCert has been deprovisioned.
    const user = { ...crdPath("DigiCertUser"), namespace: cluster.namespace, name: oldId };
    await cluster.custom.patchNamespacedCustomObject({ ...user, body: [{ op: "add", path: "/metadata/finalizers", value: [FINALIZER] }] });
    try {
      expect((await entra("DELETE", `/Users/${oldId}`)).status).toBe(204);
      const dying = await storedUser(cluster, oldId);
      expect(dying?.metadata.deletionTimestamp).toBeDefined();
      expect(dying?.status.scim.groups).toEqual([{ value: group }]);
      expect((await entra("GET", `/Users/${oldId}`)).status).toBe(404);
      expect((await entra("GET", `/Users?filter=${q('userName eq "leaver@contoso.com"')}`)).body.totalResults).toBe(0);
      expect((await entra("GET", `/Groups/${group}`)).body.members).toEqual([]);
      // The same body, externalId included: the dying object is not what a replay would return.
      const again = await entra("POST", "/Users", { ...body, userName: "Leaver@contoso.com" });
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(oldId);
      expect(again.body.groups).toEqual([]);
      expect((await storedUser(cluster, oldId))?.metadata.deletionTimestamp).toBeDefined();
      expect((await entra("GET", `/Users?filter=${q('userName eq "leaver@contoso.com"')}`)).body.Resources.map((r: { id: string }) => r.id)).toEqual([again.body.id]);
      // A replica that did not serve the DELETE knows of it only from its watch (deletionTimestamp).
      const other = await startReplica(cluster);
      try {
        await eventually(() => other.store.tenant({ namespace: cluster.namespace, name: "contoso" }) !== undefined);
        const viaOther = scimClient(other, cluster.namespace, "contoso", TOKEN);
        await eventually(async () => (await viaOther("GET", `/Users/${again.body.id}`)).status === 200, 5_000);
        expect((await viaOther("GET", `/Users/${oldId}`)).status).toBe(404);
        expect((await viaOther("GET", `/Groups/${group}`)).body.members).toEqual([]);
        expect((await viaOther("GET", `/Users?filter=${q('userName eq "leaver@contoso.com"')}`)).body.totalResults).toBe(1);
      } finally {
        await other.close();
      }
    } finally {
      await cluster.custom.patchNamespacedCustomObject({ ...user, body: [{ op: "remove", path: "/metadata/finalizers" }] });
    }
    await eventually(async () => (await storedUser(cluster, oldId)) === undefined);
    expect((await entra("GET", `/Users/${oldId}`)).status).toBe(404);
  });

  it("deletes the group", async () => {
    expect((await entra("DELETE", `/Groups/${groupId}`)).status).toBe(204);
    expect((await entra("GET", `/Groups/${groupId}`)).status).toBe(404);
    expect((await storedUser(cluster, memberIds[2]!))?.status.scim.groups ?? []).toEqual([]);
  });

  it("converges a create retried after a lost response instead of looping on 409", async () => {
    const body = { schemas: [USER_SCHEMA], userName: "retry@contoso.com", externalId: "retry-1", active: true, displayName: "Retry" };
    const first = await entra("POST", "/Users", body);
    const retry = await entra("POST", "/Users", { ...body, displayName: "Retry 2" });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect((await storedUser(cluster, first.body.id))?.status.scim.displayName).toBe("Retry 2");
    const other = await entra("POST", "/Users", { ...body, externalId: "someone-else" });
    expect(other.status).toBe(409);
  });

  it("answers ETag preconditions: 304 on If-None-Match, 412 on a stale If-Match", async () => {
    const res = await entra("GET", `/Users/${memberIds[2]}`);
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^W\/"\d+"$/);
    expect((await entra("GET", `/Users/${memberIds[2]}`, undefined, { "if-none-match": etag })).status).toBe(304);
    const ok = await entra("PATCH", `/Users/${memberIds[2]}`, patch({ op: "replace", path: "title", value: "A" }), { "if-match": etag });
    expect(ok.status).toBe(200);
    const stale = await entra("PATCH", `/Users/${memberIds[2]}`, patch({ op: "replace", path: "title", value: "B" }), { "if-match": etag });
    expect(stale.status).toBe(412);
    expect((await storedUser(cluster, memberIds[2]!))?.status.scim.title).toBe("A");
  });
});
