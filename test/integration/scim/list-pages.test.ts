import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCluster, type TestCluster } from "../../helpers/kube.js";
import { GROUP_SCHEMA, USER_SCHEMA, createTenant, scimClient, startReplica, storedUser, type ScimClient, type ScimReplica } from "../../helpers/scim.js";

// Unfiltered list pages reuse renderings by position in the tenant's list (RenderCache.listSlots):
// every change that alters what a page shows must show up on the next read of the same page.
let cluster: TestCluster;
let replica: ScimReplica;
let idp: ScimClient;
const TOKEN = "list-pages-token-5b1d";

type Page = { totalResults: number; Resources: { id: string; userName: string; displayName?: string; groups: { value: string; display: string }[] }[] };
const page = async (query = "") => (await idp("GET", `/Users${query}`)).body as Page;

beforeAll(async () => {
  cluster = await testCluster("scim-pages");
  replica = await startReplica(cluster);
  await createTenant(cluster, "acme", [TOKEN], [replica]);
  idp = scimClient(replica, cluster.namespace, "acme", TOKEN);
});

afterAll(async () => {
  await replica?.close();
});

describe("repeated list pages", () => {
  it("show every create, change, group rename and delete on the next read", async () => {
    const ids: string[] = [];
    for (const userName of ["p1@x.test", "p2@x.test", "p3@x.test"]) {
      const res = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName, displayName: userName });
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    // Users are born with the controller's deprovision finalizer; groups have none.
    expect((await storedUser(cluster, ids[0]!))?.metadata.finalizers).toEqual(["digicert-access.io/deprovision"]);
    const group = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Pagers", members: [{ value: ids[1] }] });
    expect(group.status).toBe(201);
    const first = await page("?startIndex=1&count=2");
    expect(first.Resources.map((r) => r.userName)).toEqual(["p1@x.test", "p2@x.test"]);
    expect(first.Resources[1]!.groups).toEqual([expect.objectContaining({ value: group.body.id, display: "Pagers" })]);
    expect(await page("?startIndex=1&count=2")).toEqual(first);

    // A group rename changes no user, yet the users' groups[].display must follow it.
    const renamed = await idp("PATCH", `/Groups/${group.body.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "Pager duty" }] });
    expect(renamed.status).toBeLessThan(300);
    expect((await page("?startIndex=1&count=2")).Resources[1]!.groups).toEqual([expect.objectContaining({ display: "Pager duty" })]);

    const changed = await idp("PATCH", `/Users/${ids[0]}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "Changed" }] });
    expect(changed.status).toBe(200);
    expect((await page("?startIndex=1&count=2")).Resources[0]!.displayName).toBe("Changed");

    expect((await idp("DELETE", `/Groups/${group.body.id}`)).status).toBe(204);
    expect((await page("?startIndex=1&count=2")).Resources[1]!.groups).toEqual([]);

    expect((await idp("DELETE", `/Users/${ids[0]}`)).status).toBe(204);
    const after = await page("?startIndex=1&count=2");
    expect(after.totalResults).toBe(2);
    expect(after.Resources.map((r) => r.userName)).toEqual(["p2@x.test", "p3@x.test"]);
  });
});
