import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildSimulator, type SimulatorHandle } from "./server.js";

let app: FastifyInstance;
let sim: SimulatorHandle;
let t = 1_700_000_000_000;
beforeEach(() => {
  ({ app, sim } = buildSimulator({ now: () => t, certcentral: { rateLimits: [] } }));
});
afterEach(() => app.close());

const cc = { "x-dc-devkey": "sim-certcentral-key" };
const one = { "x-api-key": "sim-digicert-one-key" };

describe("simulator: DigiCert behaviour", () => {
  it("answers CertCentral's rolling-window 429 with DigiCert's exact body and no headers, until the window drains", async () => {
    sim.certcentral.windows.windows = [{ requests: 2, windowMs: 5_000 }];
    for (let i = 0; i < 2; i++) expect((await app.inject({ url: "/services/v2/account", headers: cc })).statusCode).toBe(200);
    const limited = await app.inject({ url: "/services/v2/account", headers: cc });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ errors: [{ code: "request_limit_exceeded", message: "Service unavailable, please limit request volume" }] });
    expect(limited.headers["retry-after"]).toBeUndefined();
    t += 5_001;
    expect((await app.inject({ url: "/services/v2/account", headers: cc })).statusCode).toBe(200);
  });

  it("refuses per plane with that plane's status and dialect", async () => {
    const bad = { "x-dc-devkey": "x", "x-api-key": "x", authorization: "Bearer x" };
    const [c, o, d, s] = await Promise.all(
      ["/services/v2/user", "/account/api/v1/user", "/dns/accessmanagement/users", "/scim/v2/Users"].map((url) => app.inject({ url, headers: bad })),
    );
    expect([c!.statusCode, c!.json().errors[0].code]).toEqual([403, "access_denied|access_denied_invalid_key"]);
    expect(o!.statusCode).toBe(401);
    expect(JSON.stringify(o!.json())).toContain("invalid_api_key");
    expect([d!.statusCode, d!.json()[0].errorCode]).toEqual([401, "INVALID_TOKEN"]);
    expect([s!.statusCode, s!.json().schemas[0]]).toEqual([401, "urn:ietf:params:scim:api:messages:2.0:Error"]);
  });

  it("alternates DigiCert ONE between its two error dialects", async () => {
    const a = await app.inject({ url: "/account/api/v1/user/nope", headers: one });
    const b = await app.inject({ url: "/account/api/v1/user/nope", headers: one });
    expect([a.json(), b.json()]).toEqual([
      { errors: [{ code: "resource_not_found", message: "User not found." }] },
      { error: { code: "resource_not_found", message: "User not found." } },
    ]);
  });

  it("answers malformed JSON with a 400 in the plane's dialect, never a 500", async () => {
    const res = await app.inject({ method: "POST", url: "/services/v2/user", headers: { ...cc, "content-type": "application/json" }, payload: "{" });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].code).toBe("bad_request_format");
  });

  it("keeps usernames unique and applies container assignments destructively", async () => {
    const body = { username: "a@x.io", first_name: "A", last_name: "B", email: "a@x.io", access_roles: [{ id: 5 }], container_id_assignments: ["101"] };
    const created = await app.inject({ method: "POST", url: "/services/v2/user", headers: cc, payload: body });
    expect(created.statusCode).toBe(201);
    expect((await app.inject({ method: "POST", url: "/services/v2/user", headers: cc, payload: { ...body, username: "A@X.IO" } })).statusCode).toBe(400);
    const id = created.json().id;
    const put = await app.inject({ method: "PUT", url: `/services/v2/user/${id}/container-assignments`, headers: cc, payload: { container_id_assignments: [] } });
    expect(put.statusCode).toBe(204);
    expect((await app.inject({ url: `/services/v2/user/${id}`, headers: cc })).json().has_container_assignments).toBe(false);
  });
});

describe("simulator: catalogs", () => {
  it("adds a division, role or group as an admin would, and forgets it on reset", async () => {
    const scim = { authorization: "Bearer sim-scim-token" };
    const read = async () => {
      // Tokens do not survive a reset, so log in on every read.
      const login = await app.inject({ method: "POST", url: "/dns/auth/login", headers: { authorization: "Bearer sim-dns-key" } });
      const dns = { authorization: `Bearer ${login.json().accessToken}` };
      return {
        divisions: (await app.inject({ url: "/services/v2/container", headers: cc })).json().containers.map((c: { name: string }) => c.name) as string[],
        roles: (await app.inject({ url: "/account/api/v1/role?application_code=software_trust", headers: one })).json().map((r: { name: string }) => r.name) as string[],
        dns: (await app.inject({ url: "/dns/accessmanagement/usergroups", headers: dns })).json().userGroups.map((g: { name: string }) => g.name) as string[],
        scim: (await app.inject({ url: "/scim/v2/Groups", headers: scim })).json().Resources.map((g: { displayName: string }) => g.displayName) as string[],
      };
    };
    sim.certcentral.addCatalogEntry("Legal");
    sim.digicertOne.addCatalogEntry("Auditor", "software_trust");
    sim.dns.addCatalogEntry("Auditors");
    sim.accountScim.addCatalogEntry("Auditors");
    expect(() => sim.digicertOne.addCatalogEntry("Auditor")).toThrow(/application code/);
    const added = await read();
    expect([added.divisions, added.roles, added.dns, added.scim].map((names) => names.at(-1))).toEqual(["Legal", "Auditor", "Auditors", "Auditors"]);
    sim.reset();
    const after = await read();
    expect(after.divisions).toEqual(["Root", "Engineering", "Finance", "Operations"]);
    expect(after.roles).toEqual(["Lead", "Developer", "Team Lead", "Signer", "Build Engineer"]);
    expect(after.dns).toEqual(["Administrative", "Reporting", "Technical"]);
    expect(after.scim).not.toContain("Auditors");
  });
});

describe("simulator: admin API", () => {
  it("injects, lists and clears faults, rejecting bad specs with a clear message", async () => {
    const bad = await app.inject({ method: "POST", url: "/_admin/faults", payload: { kind: "flood" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/kind/);
    const added = await app.inject({ method: "POST", url: "/_admin/faults", payload: { plane: "dns", kind: "outage", count: 1 } });
    expect(added.statusCode).toBe(201);
    expect((await app.inject({ url: "/_admin/faults" })).json()).toHaveLength(1);
    expect((await app.inject({ method: "POST", url: "/dns/auth/login", headers: { authorization: "Bearer sim-dns-key" } })).statusCode).toBe(503);
    expect((await app.inject({ url: "/_admin/faults" })).json()).toHaveLength(0);
    await app.inject({ method: "POST", url: "/_admin/faults", payload: { kind: "error" } });
    expect((await app.inject({ method: "DELETE", url: "/_admin/faults" })).statusCode).toBe(204);
    expect(sim.faults.list()).toEqual([]);
  });

  it("records every call with exact counts, and resets", async () => {
    await app.inject({ url: "/services/v2/account", headers: cc });
    await app.inject({ url: "/services/v2/user/1", headers: cc });
    await app.inject({ url: "/services/v2/user/2", headers: cc });
    const counts = (await app.inject({ url: "/_admin/calls/counts?plane=certcentral" })).json();
    expect(counts).toEqual({ total: 3, byRoute: { "GET /services/v2/account": 1, "GET /services/v2/user/:id": 2 }, byStatus: { "200": 2, "404": 1 } });
    expect((await app.inject({ url: "/_admin/calls?route=GET%20/services/v2/account" })).json()).toHaveLength(1);
    await app.inject({ method: "POST", url: "/_admin/reset" });
    expect(sim.calls.counts().total).toBe(0);
  });

  it("seeds users, shows state, changes limits and activates pending CertCentral users", async () => {
    await app.inject({ method: "POST", url: "/_admin/seed", payload: { plane: "account-scim", count: 3 } });
    expect((await app.inject({ url: "/_admin/state/account-scim" })).json().users).toHaveLength(3);
    await app.inject({ method: "PUT", url: "/_admin/limits/certcentral", payload: { rateLimits: [{ requests: 1, windowMs: 1000 }] } });
    await app.inject({ url: "/services/v2/account", headers: cc });
    expect((await app.inject({ url: "/services/v2/account", headers: cc })).statusCode).toBe(429);
    const act = await app.inject({ method: "POST", url: "/_admin/certcentral/activate", payload: { username: "late@x.io" } });
    expect(act.statusCode).toBe(201);
    const users = (await app.inject({ url: "/_admin/state/certcentral" })).json().users as { username: string; status: string }[];
    expect(users.find((u) => u.username === "late@x.io")?.status).toBe("pending");
    expect((await app.inject({ url: "/_admin/state/nope" })).statusCode).toBe(400);
  });
});
