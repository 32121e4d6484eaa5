import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCluster, type TestCluster } from "../../helpers/kube.js";
import {
  ENTERPRISE,
  GROUP_SCHEMA,
  PATCH_OP,
  USER_SCHEMA,
  createTenant,
  scimClient,
  startReplica,
  storedGroup,
  storedUser,
  type ScimClient,
  type ScimReplica,
} from "../../helpers/scim.js";

// The request sequences Okta sends (scim-clients.md §4), in order, against the real API server.
let cluster: TestCluster;
let replica: ScimReplica;
let okta: ScimClient;
const TOKEN = "okta-token-4f1d0c2e9b7a";

beforeAll(async () => {
  cluster = await testCluster("scim-okta");
  replica = await startReplica(cluster);
  await createTenant(cluster, "acme", [TOKEN], [replica]);
  okta = scimClient(replica, cluster.namespace, "acme", TOKEN);
});

afterAll(async () => {
  await replica?.close();
});

describe("Okta", () => {
  let userId = "";
  let otherId = "";
  let groupId = "";

  it("passes the connection test on an empty tenant and lists discovery", async () => {
    const res = await okta("GET", "/Users?startIndex=1&count=2");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    const spc = await okta("GET", "/ServiceProviderConfig");
    expect(spc.body).toMatchObject({ patch: { supported: true }, bulk: { supported: true, maxOperations: 1000 }, filter: { supported: true, maxResults: 1000 }, etag: { supported: true } });
    expect(spc.body.authenticationSchemes[0]).toMatchObject({ type: "oauthbearertoken" });
    expect((await okta("POST", "/ServiceProviderConfig", {})).status).toBe(405);
    expect((await okta("POST", "/Schemas", {})).status).toBe(405);
    expect((await okta("POST", "/ResourceTypes", {})).status).toBe(405);
    const rt = await okta("GET", "/ResourceTypes");
    expect(rt.body.Resources[0]).toMatchObject({ name: "User", endpoint: "/Users", schema: USER_SCHEMA });
    const schemas = await okta("GET", "/Schemas");
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([USER_SCHEMA, ENTERPRISE, GROUP_SCHEMA]);
  });

  it("assigns a user: filter finds nothing, POST with the password placeholder creates it", async () => {
    const search = await okta("GET", `/Users?filter=${encodeURIComponent('userName eq "test.user@okta.local"')}&startIndex=1&count=100`);
    expect(search.body.totalResults).toBe(0);
    const res = await okta("POST", "/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: "test.user@okta.local",
      name: { givenName: "Test", familyName: "User" },
      emails: [{ primary: true, value: "test.user@okta.local", type: "work" }],
      displayName: "Test User",
      locale: "en-US",
      externalId: "00ujl29u0le5T6Aj10h7",
      groups: [],
      password: "1mz050nq",
      active: true,
      [ENTERPRISE]: { department: "Sales" },
    });
    expect(res.status).toBe(201);
    userId = res.body.id;
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`http://localhost:80/scim/v2/${cluster.namespace}/acme/Users/${userId}`);
    expect(res.body.meta.location).toBe(res.headers.location);
    expect(res.headers.etag).toBe(res.body.meta.version);
    expect(res.body).toMatchObject({ userName: "test.user@okta.local", active: true, name: { givenName: "Test" }, [ENTERPRISE]: { department: "Sales" } });
    expect(res.body).not.toHaveProperty("password");
    const stored = await storedUser(cluster, userId);
    expect(stored?.spec.tenantRef).toEqual({ name: "acme" });
    expect(stored?.status.scim).toMatchObject({ userName: "test.user@okta.local", externalId: "00ujl29u0le5T6Aj10h7", active: true, enterprise: { department: "Sales" } });
    expect(JSON.stringify(stored)).not.toContain("1mz050nq");
    expect(stored?.metadata.managedFields.some((m: { manager: string; subresource?: string }) => m.manager === "digicert-access-scim" && m.subresource === "status")).toBe(true);
  });

  it("finds the user by userName in any case, reads it by id, and 404s an unknown id", async () => {
    const hit = await okta("GET", `/Users?filter=${encodeURIComponent('userName eq "TEST.USER@OKTA.LOCAL"')}`);
    expect(hit.body.totalResults).toBe(1);
    expect(hit.body.Resources[0].id).toBe(userId);
    const byId = await okta("GET", `/Users/${userId}`);
    expect(byId.status).toBe(200);
    expect(byId.body.id).toBe(userId);
    const missing = await okta("GET", "/Users/010101001010101011001010101011");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404" });
    expect(missing.body.detail).toBeTruthy();
  });

  it("answers a duplicate create with 409 uniqueness", async () => {
    const dup = await okta("POST", "/Users", { schemas: [USER_SCHEMA], userName: "Test.User@okta.local", externalId: "00uOTHER", active: true });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: "409", scimType: "uniqueness" });
  });

  it("imports users page by page in a stable order", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await okta("POST", "/Users", { schemas: [USER_SCHEMA], userName: `import${i}@okta.local`, externalId: `00uimp${i}`, active: true });
      expect(res.status).toBe(201);
      if (i === 0) otherId = res.body.id;
    }
    const seen: string[] = [];
    for (let start = 1; ; start += 2) {
      const page = await okta("GET", `/Users?startIndex=${start}&count=2`);
      expect(page.body.totalResults).toBe(5);
      seen.push(...page.body.Resources.map((r: { id: string }) => r.id));
      if (start + 2 > page.body.totalResults) break;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    expect(seen[0]).toBe(userId);
  });

  it("SPEC test steps 8-10: POST a user without externalId, GET it, POST the same body again → 409", async () => {
    const body = {
      schemas: [USER_SCHEMA],
      userName: "spec.test@okta.local",
      name: { givenName: "Spec", familyName: "Test" },
      emails: [{ primary: true, value: "spec.test@okta.local", type: "work" }],
      displayName: "Spec Test",
      active: true,
    };
    // Step 8 declares no Content-Type header.
    const first = await replica.app.inject({
      method: "POST",
      url: `/scim/v2/${cluster.namespace}/acme/Users`,
      headers: { authorization: `Bearer ${TOKEN}`, accept: "application/scim+json" },
      payload: JSON.stringify(body),
    });
    expect(first.statusCode).toBe(201);
    const created = JSON.parse(first.body);
    expect(created).toMatchObject({ userName: body.userName, active: true, name: body.name, schemas: expect.arrayContaining([USER_SCHEMA]) });
    expect((await okta("GET", `/Users/${created.id}`)).status).toBe(200);
    const again = await okta("POST", "/Users", body);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "409", scimType: "uniqueness" });
    const found = await okta("GET", `/Users?filter=${encodeURIComponent('userName eq "spec.test@okta.local"')}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([created.id]);
  });

  it("updates a profile by PUT echoing the last GET (AIW)", async () => {
    const current = (await okta("GET", `/Users/${userId}`)).body;
    const res = await okta("PUT", `/Users/${userId}`, { ...current, id: "ignored", displayName: "Test U. User", title: "Engineer", meta: { ...current.meta, version: "junk" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: userId, displayName: "Test U. User", title: "Engineer" });
    expect((await storedUser(cluster, userId))?.status.scim.title).toBe("Engineer");
  });

  it("deactivates by PUT and by PATCH, and reactivates", async () => {
    const current = (await okta("GET", `/Users/${userId}`)).body;
    const put = await okta("PUT", `/Users/${userId}`, { ...current, active: false });
    expect(put.body.active).toBe(false);
    expect((await storedUser(cluster, userId))?.status.scim).toMatchObject({ active: false, deactivatedAt: expect.any(String) });
    // soft-deleted users stay readable and findable
    expect((await okta("GET", `/Users/${userId}`)).status).toBe(200);
    expect((await okta("GET", `/Users?filter=${encodeURIComponent("active eq false")}`)).body.totalResults).toBe(1);
    const on = await okta("PATCH", `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: true } }] });
    expect(on.status).toBe(200);
    expect(on.body.active).toBe(true);
    const off = await okta("PATCH", `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] });
    expect(off.body.active).toBe(false);
    const stored = await storedUser(cluster, userId);
    expect(stored?.status.scim.active).toBe(false);
    expect(stored?.status.scim.deactivatedAt).toBeDefined();
  });

  it("pushes a group, renames it, and changes membership with PATCH and PUT", async () => {
    const search = await okta("GET", `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`);
    expect(search.body.totalResults).toBe(0);
    const created = await okta("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Test SCIMv2", members: [] });
    expect(created.status).toBe(201);
    groupId = created.body.id;
    expect(created.body.members).toEqual([]);
    expect((await storedGroup(cluster, groupId))?.status.scim).toMatchObject({ displayName: "Test SCIMv2" });

    const delta = await okta("PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "remove", path: `members[value eq "${otherId}"]` },
        { op: "add", path: "members", value: [{ value: userId, display: "test.user@okta.local" }, { value: otherId }] },
      ],
    });
    expect(delta.status).toBe(204);
    const rename = await okta("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { id: groupId, displayName: "Test SCIMv2 renamed" } }] });
    expect(rename.status).toBe(204);
    let group = (await okta("GET", `/Groups/${groupId}`)).body;
    expect(group.displayName).toBe("Test SCIMv2 renamed");
    expect(group.members.map((m: { value: string }) => m.value).sort()).toEqual([userId, otherId].sort());
    expect((await storedUser(cluster, userId))?.status.scim.groups).toEqual([{ value: groupId }]);
    expect((await storedGroup(cluster, groupId))?.status.scim).not.toHaveProperty("members");
    const user = (await okta("GET", `/Users/${userId}`)).body;
    expect(user.groups).toEqual([expect.objectContaining({ value: groupId, display: "Test SCIMv2 renamed" })]);

    const remove = await okta("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[value eq "${otherId}"]` }] });
    expect(remove.status).toBe(204);
    expect((await storedUser(cluster, otherId))?.status.scim.groups ?? []).toEqual([]);

    const put = await okta("PUT", `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], displayName: "Test SCIMv2 renamed", members: [{ value: otherId, display: "x" }] });
    expect(put.status).toBe(200);
    group = (await okta("GET", `/Groups/${groupId}`)).body;
    expect(group.members.map((m: { value: string }) => m.value)).toEqual([otherId]);
    expect((await storedUser(cluster, userId))?.status.scim.groups ?? []).toEqual([]);

    const full = await okta("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "members", value: [{ value: userId }] }] });
    expect(full.status).toBe(204);
    expect((await okta("GET", `/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value)).toEqual([userId]);
  });

  it("deletes the group in the target app", async () => {
    const res = await okta("DELETE", `/Groups/${groupId}`);
    expect(res.status).toBe(204);
    expect((await okta("GET", `/Groups/${groupId}`)).status).toBe(404);
    expect((await storedUser(cluster, userId))?.status.scim.groups ?? []).toEqual([]);
    expect((await okta("GET", `/Users/${userId}`)).body.groups).toEqual([]);
  });

  it("writes one audit line per accepted write, without the token", () => {
    const audits = replica.logs.filter((l) => l.includes('"audit"'));
    expect(audits.length).toBeGreaterThan(10);
    const create = audits.map((l) => JSON.parse(l)).find((l) => l.audit.operation === "create" && l.audit.resourceType === "User");
    expect(create.audit).toMatchObject({ tenant: `${cluster.namespace}/acme`, id: userId, userName: "test.user@okta.local" });
    expect(replica.logs.join("\n")).not.toContain(TOKEN);
  });
});
