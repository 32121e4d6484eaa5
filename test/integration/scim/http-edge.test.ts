import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCluster, type TestCluster } from "../../helpers/kube.js";
import { GROUP_SCHEMA, USER_SCHEMA, createTenant, scimClient, startReplica, type ScimClient, type ScimReplica } from "../../helpers/scim.js";

// What happens at the HTTP edge before a request reaches a service: proxy headers, the router's own
// errors, body limits, request ids, conditional reads.
let cluster: TestCluster;
let direct: ScimReplica;
let proxied: ScimReplica;
let idp: ScimClient;
const TOKEN = "edge-token-2c7d41";
const BULK_LIMIT = 4096;
const FORWARDED = { "x-forwarded-proto": "https", "x-forwarded-host": "scim.example.com", "x-forwarded-prefix": "/access" };

beforeAll(async () => {
  cluster = await testCluster("scim-edge");
  [direct, proxied] = await Promise.all([
    // trustProxy is off by default; the Bulk limit is far below the general one.
    startReplica(cluster, { maxBodyBytes: 65_536, bulk: { maxPayloadBytes: BULK_LIMIT } }),
    startReplica(cluster, { trustProxy: ["10.0.0.0/8"] }),
  ]);
  await createTenant(cluster, "acme", [TOKEN], [direct, proxied]);
  idp = scimClient(direct, cluster.namespace, "acme", TOKEN);
});

afterAll(async () => {
  await Promise.all([direct?.close(), proxied?.close()]);
});

/** A request as a given peer would send it (inject's default peer is 127.0.0.1). */
async function send(replica: ScimReplica, method: "GET" | "POST", path: string, opts: { headers?: Record<string, string>; body?: unknown; remoteAddress?: string } = {}) {
  const res = await replica.app.inject({
    method,
    url: `/scim/v2/${cluster.namespace}/acme${path}`,
    headers: { authorization: `Bearer ${TOKEN}`, ...(opts.body !== undefined ? { "content-type": "application/scim+json" } : {}), ...opts.headers },
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
    ...(opts.body !== undefined ? { payload: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: res.body === "" ? undefined : JSON.parse(res.body) };
}

const requests = async (replica: ScimReplica, labels: Record<string, string>) => {
  const metric = await replica.registry.getSingleMetric("scim_requests_total")!.get();
  return metric.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
};

describe("X-Forwarded-*", () => {
  const plain = () => `http://localhost:80/scim/v2/${cluster.namespace}/acme/Users/`;
  const forwarded = () => `https://scim.example.com/access/scim/v2/${cluster.namespace}/acme/Users/`;

  it("are ignored when trustProxy is off, Prefix included", async () => {
    const created = await send(direct, "POST", "/Users", { headers: FORWARDED, body: { schemas: [USER_SCHEMA], userName: "fwd-off@x.test" }, remoteAddress: "10.1.2.3" });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${plain()}${created.body.id}`);
    expect(created.body.meta.location).toBe(created.headers.location);
    const read = await send(direct, "GET", `/Users/${created.body.id}`, { headers: FORWARDED });
    expect(read.body.meta.location).toBe(`${plain()}${created.body.id}`);
  });

  it("count only from a peer inside the trustProxy list, Prefix held to the same decision", async () => {
    const id = (await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "fwd-list@x.test" })).body.id as string;
    const fromProxy = await send(proxied, "GET", `/Users/${id}`, { headers: FORWARDED, remoteAddress: "10.1.2.3" });
    expect(fromProxy.body.meta.location).toBe(`${forwarded()}${id}`);
    for (const peer of ["127.0.0.1", "192.0.2.10"]) {
      const spoofed = await send(proxied, "GET", `/Users/${id}`, { headers: FORWARDED, remoteAddress: peer });
      expect(spoofed.body.meta.location, peer).toBe(`${plain()}${id}`);
    }
    // A proxy that appends puts its own value last; the client's earlier one is not used.
    const appended = await send(proxied, "GET", `/Users/${id}`, { headers: { ...FORWARDED, "x-forwarded-prefix": "/evil, /access" }, remoteAddress: "10.1.2.3" });
    expect(appended.body.meta.location).toBe(`${forwarded()}${id}`);
  });
});

describe("the audit line", () => {
  it.each([
    ["client-request-id", "Entra", "2e1f7c4e-6a3d-4b8e-9a61-0f6c2d9b1a77"],
    ["x-request-id", "a proxy or Okta", "okta-req-5f1a9c"],
  ])("carries the IdP's request id from %s (%s)", async (header, _who, value) => {
    const res = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: `${header}@x.test` }, { [header]: value });
    expect(res.status).toBe(201);
    const line = direct.logs.map((l) => JSON.parse(l)).find((l) => l.audit?.id === res.body.id);
    expect(line.audit).toMatchObject({ operation: "create", resourceType: "User", requestId: value });
  });

  it("has no requestId when the IdP sent none", async () => {
    const res = await idp("POST", "/Users", { schemas: [USER_SCHEMA], userName: "no-request-id@x.test" });
    const line = direct.logs.map((l) => JSON.parse(l)).find((l) => l.audit?.id === res.body.id);
    expect(line.audit).not.toHaveProperty("requestId");
  });
});

describe("errors the router raises before any route", () => {
  it.each([
    ["a path that is not valid percent-encoding", "/Users/%C3%28", 400, "invalidSyntax"],
    ["a path segment over 256 characters", `/Users/${"a".repeat(300)}`, 404, undefined],
  ])("answer %s with a SCIM error, counted in metrics", async (_label, path, status, scimType) => {
    const labels = { tenant: `${cluster.namespace}/acme`, resource: "Users", method: "GET", status: String(status) };
    const before = await requests(direct, labels);
    const res = await send(direct, "GET", path);
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: String(status), ...(scimType ? { scimType } : {}), detail: expect.any(String) });
    expect(await requests(direct, labels)).toBe(before + 1);
  });
});

describe("limits and conditional reads", () => {
  it("refuses a Bulk body over bulk.maxPayloadBytes with 413 and a SCIM error, though the general limit allows it", async () => {
    const spc = await idp("GET", "/ServiceProviderConfig");
    expect(spc.body.bulk.maxPayloadSize).toBe(BULK_LIMIT);
    const ops = Array.from({ length: 40 }, (_, i) => ({ method: "POST", path: "/Users", bulkId: `b${i}`, data: { schemas: [USER_SCHEMA], userName: `bulk-limit-${i}@x.test` } }));
    const body = { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: ops };
    expect(JSON.stringify(body).length).toBeGreaterThan(BULK_LIMIT);
    const res = await idp("POST", "/Bulk", body);
    expect(res.status).toBe(413);
    expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "413" });
    expect((await idp("GET", `/Users?filter=${encodeURIComponent('userName sw "bulk-limit-"')}`)).body.totalResults).toBe(0);
    // The same bytes on a route under the general limit are read (and refused for what they say).
    expect((await idp("POST", "/Users", body)).status).toBe(400);
  });

  it("answers If-None-Match on a group with 304 while it is unchanged, and 200 once it changed", async () => {
    const created = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Conditional" });
    const etag = created.headers.etag as string;
    expect(etag).toMatch(/^W\/"\d+"$/);
    const same = await idp("GET", `/Groups/${created.body.id}`, undefined, { "if-none-match": etag });
    expect(same.status).toBe(304);
    expect(same.body).toBeUndefined();
    expect(same.headers.etag).toBe(etag);
    await idp("PUT", `/Groups/${created.body.id}`, { schemas: [GROUP_SCHEMA], displayName: "Conditional 2" });
    const changed = await idp("GET", `/Groups/${created.body.id}`, undefined, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.body.displayName).toBe("Conditional 2");
  });
});
