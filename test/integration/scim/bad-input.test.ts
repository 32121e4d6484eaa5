import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crdPath, testCluster, type TestCluster } from "../../helpers/kube.js";
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, createTenant, scimClient, startReplica, storedUser, type ScimClient, type ScimReplica } from "../../helpers/scim.js";

let cluster: TestCluster;
let replica: ScimReplica;
let idp: ScimClient;
let userId = "";
const TOKEN = "bad-input-token-51c2";

beforeAll(async () => {
  cluster = await testCluster("scim-bad");
  replica = await startReplica(cluster, { maxBodyBytes: 16_384 });
  await createTenant(cluster, "acme", [TOKEN], [replica]);
  idp = scimClient(replica, cluster.namespace, "acme", TOKEN);
  userId = (await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "keep@example.com", active: true, title: "Original" })).body.id;
});

afterAll(async () => {
  await replica?.close();
});

async function objectCount(): Promise<number> {
  const list = (await cluster.custom.listNamespacedCustomObject({ ...crdPath("DigiCertUser"), namespace: cluster.namespace })) as { items: unknown[] };
  return list.items.length;
}

const deep = (n: number): unknown => (n === 0 ? "x" : { a: deep(n - 1) });
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

describe("bad input gets a 4xx SCIM error, never a 5xx or a partial write", () => {
  it.each([
    ["malformed JSON", "POST", "/Users", '{"schemas": [', 400, "invalidSyntax"],
    ["a JSON array", "POST", "/Users", "[1,2,3]", 400, "invalidSyntax"],
    ["no schemas", "POST", "/Users", { userName: "a@b.c" }, 400, "invalidSyntax"],
    ["an unknown schema only", "POST", "/Users", { schemas: ["urn:example:not:a:user"], userName: "a@b.c" }, 400, "invalidValue"],
    ["the Group schema on /Users", "POST", "/Users", { schemas: [USER_SCHEMA, GROUP_SCHEMA], userName: "a@b.c" }, 400, "invalidValue"],
    ["no userName", "POST", "/Users", { schemas: [USER_SCHEMA], active: true }, 400, "invalidValue"],
    ["a non-boolean active", "POST", "/Users", { schemas: [USER_SCHEMA], userName: "a@b.c", active: "maybe" }, 400, "invalidValue"],
    ["an object for a string", "POST", "/Users", { schemas: [USER_SCHEMA], userName: { a: 1 } }, 400, "invalidValue"],
    ["a string for a complex attribute", "POST", "/Users", { schemas: [USER_SCHEMA], userName: "a@b.c", name: "Bob" }, 400, "invalidValue"],
    ["an overlong userName", "POST", "/Users", { schemas: [USER_SCHEMA], userName: "x".repeat(600) }, 400, "invalidValue"],
    ["too many emails", "POST", "/Users", { schemas: [USER_SCHEMA], userName: "a@b.c", emails: Array.from({ length: 30 }, (_, i) => ({ value: `${i}@x` })) }, 400, "invalidValue"],
    ["deep nesting", "POST", "/Users", { schemas: [USER_SCHEMA], userName: "a@b.c", extra: deep(40) }, 400, "invalidSyntax"],
    ["a group with an unknown member", "POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: "nobody" }] }, 400, "invalidValue"],
    ["a nested group member", "POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: "x", type: "Group" }] }, 400, "invalidValue"],
    ["a PATCH without PatchOp schema", "PATCH", "/Users/ID", { Operations: [] }, 400, "invalidSyntax"],
    ["a PATCH with an unknown op", "PATCH", "/Users/ID", patch({ op: "merge", path: "title", value: "x" }), 400, "invalidSyntax"],
    ["a PATCH of an unknown attribute", "PATCH", "/Users/ID", patch({ op: "replace", path: "nope", value: "x" }), 400, "invalidPath"],
    ["a PATCH remove without path", "PATCH", "/Users/ID", patch({ op: "remove" }), 400, "noTarget"],
    ["a PATCH that blanks userName", "PATCH", "/Users/ID", patch({ op: "replace", path: "title", value: "Changed" }, { op: "remove", path: "userName" }), 400, "invalidValue"],
    ["a bad sortBy", "GET", "/Users?sortBy=nope", undefined, 400, "invalidPath"],
    ["a bad count", "GET", "/Users?count=abc", undefined, 400, "invalidValue"],
  ])("%s", async (_label, method, path, body, status, scimType) => {
    const before = await objectCount();
    const res = await idp(method as "POST", path.replace("ID", userId), body);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), scimType });
    expect(typeof res.body.detail).toBe("string");
    expect(await objectCount()).toBe(before);
    expect((await storedUser(cluster, userId))?.status.scim.title).toBe("Original");
  });

  it("refuses an oversized body with 413", async () => {
    const res = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "big@b.c", title: "x".repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.status).toBe("413");
  });

  it("refuses invalid UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await idp("POST", "/Users", bytes);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidSyntax");
  });

  it("refuses a body that is not JSON with 415", async () => {
    const res = await idp("POST", "/Users", "<user/>", { "content-type": "application/xml" });
    expect(res.status).toBe(415);
  });

  it("accepts application/json and a POST without Content-Type (Okta SPEC test)", async () => {
    const json = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "json@b.c" }, { "content-type": "application/json" });
    expect(json.status).toBe(201);
    const res = await replica.app.inject({
      method: "POST",
      url: `/scim/v2/${cluster.namespace}/acme/Users`,
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify({ schemas: [USER_SCHEMA], userName: "nocontenttype@b.c" }),
    });
    expect(res.statusCode).toBe(201);
  });

  it.each([
    'userName eq "x" or 1 eq 1',
    "userName eq x",
    'userName eq "x"; DROP TABLE users',
    "userName eq \"x\" || true",
    `userName eq "${"a".repeat(5000)}"`,
    `${"(".repeat(100)}userName pr${")".repeat(100)}`,
    "__proto__ eq \"x\"",
    'constructor.prototype eq "x"',
    "emails[type eq \"work\"",
    "$where eq 1",
  ])("refuses the filter %j with invalidFilter", async (filter) => {
    const res = await idp("GET", `/Users?filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidFilter");
  });

  it("treats quotes inside a filter value as data", async () => {
    const res = await idp("GET", `/Users?filter=${encodeURIComponent('userName eq "x\\" or userName pr or \\"1"')}`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  it("never answers arbitrary filters or bodies with a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 3 }), async (filter, body) => {
        const list = await idp("GET", `/Users?filter=${encodeURIComponent(filter)}`);
        expect(list.status).toBeLessThan(500);
        const post = await idp("POST", "/Users", body);
        expect(post.status).toBeLessThan(500);
        const pat = await idp("PATCH", `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [body] });
        expect(pat.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});
