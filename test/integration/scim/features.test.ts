import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { crdPath, testCluster, type TestCluster } from "../../helpers/kube.js";
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, createTenant, scimClient, startReplica, storedUser, type ScimClient, type ScimReplica } from "../../helpers/scim.js";

let cluster: TestCluster;
let replica: ScimReplica;
let idp: ScimClient;
const TOKEN = "features-token-e7a0";
const q = encodeURIComponent;

beforeAll(async () => {
  cluster = await testCluster("scim-feat");
  replica = await startReplica(cluster, { trustProxy: true });
  await createTenant(cluster, "acme", [TOKEN], [replica]);
  idp = scimClient(replica, cluster.namespace, "acme", TOKEN);
  for (const [userName, title, dept] of [
    ["carol@x.test", "Engineer", "R&D"],
    ["alice@x.test", "Manager", "Sales"],
    ["bob@x.test", undefined, "R&D"],
  ] as const) {
    const res = await idp("POST", "/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName,
      ...(title ? { title } : {}),
      emails: [{ value: userName, type: "work", primary: true }],
      [ENTERPRISE]: { department: dept },
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  await replica?.close();
});

const names = (res: { body: { Resources: { userName: string }[] } }) => res.body.Resources.map((r) => r.userName);

describe("list features", () => {
  it("sorts by any attribute in either order, resources without it last", async () => {
    expect(names(await idp("GET", "/Users?sortBy=userName"))).toEqual(["alice@x.test", "bob@x.test", "carol@x.test"]);
    expect(names(await idp("GET", "/Users?sortBy=userName&sortOrder=descending"))).toEqual(["carol@x.test", "bob@x.test", "alice@x.test"]);
    expect(names(await idp("GET", "/Users?sortBy=title"))).toEqual(["carol@x.test", "alice@x.test", "bob@x.test"]);
  });

  it("pages with startIndex and count, clamping nonsense values", async () => {
    const page = await idp("GET", "/Users?sortBy=userName&startIndex=2&count=1");
    expect(page.body).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(names(page)).toEqual(["bob@x.test"]);
    expect((await idp("GET", "/Users?startIndex=-5&count=-1")).body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it("returns only requested attributes, or all but the excluded ones", async () => {
    const only = await idp("GET", `/Users?attributes=userName,${q(`${ENTERPRISE}:department`)}&filter=${q('userName eq "alice@x.test"')}`);
    expect(only.body.Resources[0]).toEqual({ schemas: expect.any(Array), id: expect.any(String), userName: "alice@x.test", [ENTERPRISE]: { department: "Sales" } });
    const sub = await idp("GET", `/Users?attributes=emails.value&filter=${q('userName eq "alice@x.test"')}`);
    expect(sub.body.Resources[0].emails).toEqual([{ value: "alice@x.test" }]);
    const excluded = await idp("GET", `/Users?excludedAttributes=emails,meta,id&filter=${q('userName eq "alice@x.test"')}`);
    expect(excluded.body.Resources[0]).not.toHaveProperty("emails");
    expect(excluded.body.Resources[0]).not.toHaveProperty("meta");
    expect(excluded.body.Resources[0]).toHaveProperty("id");
  });

  it("searches with POST /.search on a resource type and across both", async () => {
    const body = { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `${ENTERPRISE}:department eq "r&d"`, sortBy: "userName", attributes: ["userName"] };
    const res = await idp("POST", "/Users/.search", body);
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(["bob@x.test", "carol@x.test"]);
    await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Searchable" });
    const all = await idp("POST", "/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: "meta.created pr" });
    expect(all.body.totalResults).toBe(4);
    expect((await idp("POST", "/Users/.search", { filter: "userName pr" })).status).toBe(400);
  });

  it("builds meta.location from X-Forwarded-* of a trusted proxy", async () => {
    const res = await idp("GET", `/Users?filter=${q('userName eq "alice@x.test"')}`, undefined, {
      "x-forwarded-proto": "https",
      "x-forwarded-host": "scim.example.com",
      "x-forwarded-prefix": "/access",
    });
    expect(res.body.Resources[0].meta.location).toMatch(new RegExp(`^https://scim\\.example\\.com/access/scim/v2/${cluster.namespace}/acme/Users/`));
  });

  it("uses the tenant's externalBaseUrl when it is set", async () => {
    await cluster.custom.patchNamespacedCustomObject(
      { ...crdPath("ScimTenant"), namespace: cluster.namespace, name: "acme", body: [{ op: "add", path: "/spec/scim/externalBaseUrl", value: "https://idp-gateway.example.org/" }] },
    );
    const expected = `https://idp-gateway.example.org/scim/v2/${cluster.namespace}/acme/Users/`;
    for (let i = 0; i < 200; i++) {
      const loc = (await idp("GET", "/Users?count=1")).body.Resources[0].meta.location as string;
      if (loc.startsWith(expected)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await idp("GET", "/Users?count=1")).body.Resources[0].meta.location).toMatch(new RegExp(`^${expected.replace(/[.]/g, "\\.")}`));
  });
});

describe("Bulk", () => {
  it("creates a user and a group referencing it by bulkId, in any order", async () => {
    const res = await idp("POST", "/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "POST", path: "/Groups", bulkId: "g", data: { schemas: [GROUP_SCHEMA], displayName: "Bulk group", members: [{ value: "bulkId:u" }] } },
        { method: "POST", path: "/Users", bulkId: "u", data: { schemas: [USER_SCHEMA], userName: "bulk@x.test" } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]);
    const [user, group] = ["u", "g"].map((b) => res.body.Operations.find((o: { bulkId: string }) => o.bulkId === b));
    expect(user.status).toBe("201");
    expect(group.status).toBe("201");
    const userId = user.location.split("/").pop();
    const groupId = group.location.split("/").pop();
    expect((await storedUser(cluster, userId))?.status.scim.groups).toEqual([{ value: groupId }]);
  });

  it("reports per-operation errors and stops after failOnErrors", async () => {
    const res = await idp("POST", "/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      failOnErrors: 1,
      Operations: [
        { method: "POST", path: "/Users", bulkId: "dup", data: { schemas: [USER_SCHEMA], userName: "alice@x.test" } },
        { method: "POST", path: "/Users", bulkId: "never", data: { schemas: [USER_SCHEMA], userName: "never@x.test" } },
      ],
    });
    expect(res.body.Operations).toHaveLength(1);
    expect(res.body.Operations[0]).toMatchObject({ status: "409", response: { scimType: "uniqueness" } });
    expect((await idp("GET", `/Users?filter=${q('userName eq "never@x.test"')}`)).body.totalResults).toBe(0);
  });

  it("answers a cycle of bulkId references with 409 and more operations than advertised with 413", async () => {
    const cycle = await idp("POST", "/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "POST", path: "/Groups", bulkId: "a", data: { schemas: [GROUP_SCHEMA], displayName: "A", members: [{ value: "bulkId:b" }] } },
        { method: "POST", path: "/Groups", bulkId: "b", data: { schemas: [GROUP_SCHEMA], displayName: "B", members: [{ value: "bulkId:a" }] } },
      ],
    });
    expect(cycle.body.Operations.map((o: { status: string }) => o.status)).toEqual(["409", "409"]);
    const tooMany = await idp("POST", "/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: Array.from({ length: 1001 }, (_, i) => ({ method: "DELETE", path: `/Users/${i}` })),
    });
    expect(tooMany.status).toBe(413);
  });
});

describe("the controller's status fields", () => {
  it("survive the receiver's writes (separate field managers)", async () => {
    const id = (await idp("GET", `/Users?filter=${q('userName eq "bob@x.test"')}`)).body.Resources[0].id;
    const before = await storedUser(cluster, id);
    // The controller writes its own part of status (a JSON patch, another field manager).
    await cluster.custom.patchNamespacedCustomObjectStatus({
      ...crdPath("DigiCertUser"),
      namespace: cluster.namespace,
      name: id,
      fieldManager: "digicert-access-controller",
      body: [{ op: "add", path: "/status/summary", value: { groups: "none" } }],
    });
    expect(before?.status.scim.title).toBeUndefined();
    await idp("PATCH", `/Users/${id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "title", value: "Intern" }] });
    const after = await storedUser(cluster, id);
    expect(after?.status.summary).toEqual({ groups: "none" });
    expect(after?.status.scim.title).toBe("Intern");
  });
});

describe("group lists", () => {
  it("build members only for the groups on the page, and answer as before", async () => {
    const alice = (await idp("GET", `/Users?filter=${q('userName eq "alice@x.test"')}`)).body.Resources[0].id as string;
    for (let i = 0; i < 5; i++) {
      const res = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: `Team ${i}`, members: i % 2 === 0 ? [{ value: alice }] : [] });
      expect(res.status).toBe(201);
    }
    const all = (await idp("GET", "/Groups?excludedAttributes=members")).body.totalResults as number;
    expect(all).toBeGreaterThanOrEqual(5);
    const spy = vi.spyOn(replica.store, "groupMembers");
    try {
      const first = await idp("GET", "/Groups?startIndex=1&count=3");
      expect(first.body).toMatchObject({ totalResults: all, startIndex: 1, itemsPerPage: 3 });
      expect(spy).toHaveBeenCalledTimes(3);
      spy.mockClear();
      const sorted = await idp("GET", `/Groups?filter=${q('displayName sw "team"')}&sortBy=displayName&sortOrder=descending&startIndex=2&count=2`);
      expect(sorted.body.totalResults).toBe(5);
      expect(sorted.body.Resources.map((g: { displayName: string; members: { value: string }[] }) => [g.displayName, g.members.map((m) => m.value)])).toEqual([
        ["Team 3", []],
        ["Team 2", [alice]],
      ]);
      expect(spy).toHaveBeenCalledTimes(2);
      spy.mockClear();
      expect((await idp("GET", "/Groups?excludedAttributes=members&count=100")).body.Resources).toHaveLength(all);
      expect(spy).not.toHaveBeenCalled();
      // A filter on members still sees every group's members.
      const byMember = await idp("GET", `/Groups?filter=${q(`members[value eq "${alice}"]`)}&sortBy=displayName&count=2`);
      expect(byMember.body.totalResults).toBe(3);
      expect(byMember.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(["Team 0", "Team 2"]);
    } finally {
      spy.mockRestore();
    }
  });
});
