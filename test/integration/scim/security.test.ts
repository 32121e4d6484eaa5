import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCluster, type TestCluster } from "../../helpers/kube.js";
import { USER_SCHEMA, createTenant, scimClient, startReplica, type ScimReplica } from "../../helpers/scim.js";

let cluster: TestCluster;
let replica: ScimReplica;
const ACME = "acme-token-0d8f3a61c5e94b27";
const ACME_NEXT = "acme-next-token-7e21b9d04c";
const OTHER = "globex-token-a5c3e8f1d2b4";

beforeAll(async () => {
  cluster = await testCluster("scim-sec");
  // Secrets are read on every request here, so a revoked token fails at once (the default caches 10 s).
  replica = await startReplica(cluster, { tokenCacheTtlMs: 0, tokenRefreshMinIntervalMs: 0, authFailures: { max: 5, windowMs: 60_000 } });
  await createTenant(cluster, "acme", [ACME, ACME_NEXT], [replica]);
  await createTenant(cluster, "globex", [OTHER], [replica]);
});

afterAll(async () => {
  await replica?.close();
});

const acme = (token: string | undefined) => scimClient(replica, cluster.namespace, "acme", token);

describe("authentication", () => {
  it("accepts every configured token, so tokens rotate without downtime", async () => {
    expect((await acme(ACME)("GET", "/Users")).status).toBe(200);
    expect((await acme(ACME_NEXT)("GET", "/Users")).status).toBe(200);
  });

  it.each([
    ["missing", undefined],
    ["wrong", "not-the-token"],
    ["another tenant's", OTHER],
    ["a prefix of the right", ACME.slice(0, 10)],
  ])("refuses a %s token with 401 and a SCIM error body", async (_label, token) => {
    const res = await acme(token)("GET", "/Users");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401" });
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("never lets one tenant's token reach another tenant's data", async () => {
    const created = await acme(ACME)("POST", "/Users", { schemas: [USER_SCHEMA], userName: "private@acme.test", active: true });
    expect(created.status).toBe(201);
    const globex = scimClient(replica, cluster.namespace, "globex", OTHER);
    expect((await globex("GET", `/Users/${created.body.id}`)).status).toBe(404);
    expect((await globex("GET", "/Users")).body.totalResults).toBe(0);
    expect((await scimClient(replica, cluster.namespace, "globex", ACME)("GET", "/Users")).status).toBe(401);
  });

  it("refuses a revoked token once it is removed from the Secret", async () => {
    await cluster.core.patchNamespacedSecret({ namespace: cluster.namespace, name: "acme-tokens", body: [{ op: "remove", path: "/data/token0" }] });
    expect((await acme(ACME)("GET", "/Users")).status).toBe(401);
    expect((await acme(ACME_NEXT)("GET", "/Users")).status).toBe(200);
  });

  it("answers an unknown tenant with 404", async () => {
    const res = await scimClient(replica, cluster.namespace, "nobody", ACME_NEXT)("GET", "/Users");
    expect(res.status).toBe(404);
    expect(res.body.status).toBe("404");
  });

  it("throttles failed attempts per tenant while the right token still works", async () => {
    await createTenant(cluster, "initech", ["initech-token-93be"], [replica]);
    const initech = (t: string) => scimClient(replica, cluster.namespace, "initech", t);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await initech(`guess-${i}`)("GET", "/Users")).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const throttled = await initech("guess-x")("GET", "/Users");
    expect(Number(throttled.headers["retry-after"])).toBeGreaterThan(0);
    expect((await initech("initech-token-93be")("GET", "/Users")).status).toBe(200);
    // another tenant's count is its own
    expect((await scimClient(replica, cluster.namespace, "globex", "wrong")("GET", "/Users")).status).toBe(401);
  });

  it("counts failures per tenant in metrics without any token in a label", async () => {
    const text = await replica.registry.metrics();
    expect(text).toMatch(new RegExp(`scim_auth_failures_total\\{tenant="${cluster.namespace}/initech",reason="throttled"\\} [1-9]`));
    expect(text).toMatch(/scim_requests_total\{.*status="401"/);
    for (const secret of [ACME, ACME_NEXT, OTHER, "guess-"]) expect(text).not.toContain(secret);
  });

  it("labels refused requests of a real tenant with that tenant, and only unknown tenants as unknown", async () => {
    const values = (await replica.registry.getSingleMetric("scim_requests_total")!.get()).values;
    const count = (tenant: string, status: string) =>
      values.filter((v) => v.labels.tenant === tenant && v.labels.status === status).reduce((n, v) => n + v.value, 0);
    const initech = `${cluster.namespace}/initech`;
    expect(count(initech, "401")).toBe(5);
    expect(count(initech, "429")).toBe(3);
    expect(count(`${cluster.namespace}/acme`, "401")).toBeGreaterThanOrEqual(5);
    expect(count("unknown", "401")).toBe(0);
    expect(count("unknown", "429")).toBe(0);
    expect(count("unknown", "404")).toBe(1);
    for (const v of values) expect([`${cluster.namespace}/acme`, `${cluster.namespace}/globex`, initech, "unknown"]).toContain(v.labels.tenant);
  });

  it("writes no token and no Authorization header to any log line", () => {
    const all = replica.logs.join("\n");
    expect(replica.logs.length).toBeGreaterThan(0);
    for (const secret of [ACME, ACME_NEXT, OTHER, "not-the-token", "guess-"]) expect(all).not.toContain(secret);
    expect(all.toLowerCase()).not.toContain("bearer");
    expect(all.toLowerCase()).not.toContain('"authorization"');
  });
});
