import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError, type RemoteUser } from "./provider.js";

// Every backend, against the simulator, through the one contract the controller uses.
/** How each service refuses a wrong credential: the HTTP status and DigiCert's own code. */
const REFUSAL: Record<string, { status: number; remoteCode: string | undefined }> = {
  certcentral: { status: 403, remoteCode: "access_denied|access_denied_invalid_key" },
  "trust-lifecycle": { status: 401, remoteCode: "invalid_api_key" },
  dns: { status: 401, remoteCode: "INVALID_API_KEY" },
  "digicert-account": { status: 401, remoteCode: undefined },
};
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ certcentral: { rateLimits: [] } });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

describe.each(BACKENDS)("$service provider", (c) => {
  const creates = () => s.sim.calls.counts({ plane: c.plane }).byRoute[c.createRoute] ?? 0;
  const access = (roles: string[]) => ({ roles, ...(c.divisions ? { divisions: c.divisions } : {}) });

  it("accepts valid credentials", async () => {
    await expect(clientFor(s, c).validateCredentials()).resolves.toBeUndefined();
  });

  it("refuses wrong credentials with a clear error, after exactly one call", async () => {
    const client = clientFor(s, c, {}, { credentials: "not-the-key" });
    const err = await client.validateCredentials().catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED)).toBe(true);
    expect((err as Error).message).toMatch(/40[13]/);
    expect((err as Error).message).not.toContain("not-the-key");
    expect(s.sim.calls.counts({ plane: c.plane }).total).toBe(1);
    const { status, remoteCode } = REFUSAL[c.service]!;
    expect(err).toMatchObject({ service: c.service, status, remoteCode });
    // The cause is DigiCert's answer as it came, for diagnosis.
    expect(JSON.stringify((err as Error).cause)).toContain(remoteCode ?? String(status));
  });

  it("refuses a credential with a line break before sending anything, without quoting it", async () => {
    const key = c.credentials(s);
    let fetches = 0;
    const counting: typeof fetch = (...args) => (fetches++, fetch(...args));
    const err = await clientFor(s, c, { fetch: counting }, { credentials: `${key}\nX-Injected: 1` })
      .validateCredentials()
      .catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED)).toBe(true);
    expect((err as Error).message).toMatch(/credential .* contains a line break/);
    for (let e: unknown = err; e !== undefined; e = (e as { cause?: unknown }).cause) {
      expect(`${String(e)} ${JSON.stringify(e)}`).not.toContain(key);
    }
    expect(fetches).toBe(0);
    expect(s.sim.calls.counts({ plane: c.plane }).total).toBe(0);
  });

  it("creates a user once, reads it back, and leaves it alone when nothing changed", async () => {
    const client = clientFor(s, c);
    const first = await client.ensureUser(identity(1), access(c.roles));
    expect(first.outcome).toBe("created");
    const read = (await client.getUser(identity(1).userName)) as RemoteUser;
    expect(read).toMatchObject({ userName: identity(1).userName, email: identity(1).email, state: "active", remoteId: first.user!.remoteId });
    expect(read.roles.sort()).toEqual([...c.roles].sort());
    if (c.divisions) expect(read.divisions).toEqual(c.divisions);
    const again = await client.ensureUser(identity(1), access(c.roles));
    expect(again.outcome).toBe("unchanged");
    expect(creates()).toBe(1);
    expect(await client.getUser("nobody@example.com")).toBeUndefined();
  });

  it("changes roles by replacing them", async () => {
    const client = clientFor(s, c);
    await client.ensureUser(identity(2), access(c.roles));
    const changed = await client.ensureUser(identity(2), access(c.otherRoles));
    expect(changed.outcome).toBe("updated");
    const read = (await client.getUser(identity(2).userName)) as RemoteUser;
    expect(read.roles.sort()).toEqual([...c.otherRoles].sort());
    expect(creates()).toBe(1);
  });

  it("updates the profile the IdP changed", async () => {
    const client = clientFor(s, c);
    await client.ensureUser(identity(3), access(c.roles));
    const renamed = { ...identity(3), email: "renamed@example.com" };
    expect((await client.ensureUser(renamed, access(c.roles))).outcome).toBe("updated");
    expect((await client.getUser(renamed.userName))?.email).toBe("renamed@example.com");
  });

  it("disables a user, and a later ensure restores access", async () => {
    const client = clientFor(s, c);
    await client.ensureUser(identity(4), access(c.roles));
    const outcome = await client.disableUser(identity(4).userName);
    const read = await client.getUser(identity(4).userName);
    if (c.reversibleDisable) {
      expect(outcome).toBe("disabled");
      expect(read?.state).toBe("disabled");
    } else {
      expect(outcome).toBe("deleted");
      expect(read).toBeUndefined();
    }
    await client.ensureUser(identity(4), access(c.roles));
    expect(await client.getUser(identity(4).userName)).toMatchObject({ state: "active" });
    expect(await client.disableUser("nobody@example.com")).toBe("absent");
  });

  it("deletes a user, and deleting again is not an error", async () => {
    const client = clientFor(s, c);
    await client.ensureUser(identity(5), access(c.roles));
    expect(await client.deleteUser(identity(5).userName)).toBe("deleted");
    expect(await client.getUser(identity(5).userName)).toBeUndefined();
    expect(await client.deleteUser(identity(5).userName)).toBe("absent");
  });

  it("takes a delete whose answer was lost as done: the retry's 404 means the user is gone", async () => {
    const client = clientFor(s, c);
    await client.ensureUser(identity(7), access(c.roles));
    s.sim.faults.add({ plane: c.plane, kind: "reset", afterCommit: true, method: "DELETE" });
    // The first DELETE took effect before its connection was cut, so the user was already gone.
    expect(await client.deleteUser(identity(7).userName)).toBe("absent");
    s.sim.faults.clear();
    expect(await client.getUser(identity(7).userName)).toBeUndefined();
    const deletes = s.sim.calls.calls({ plane: c.plane }).filter((call) => call.method === "DELETE");
    expect(deletes.map((call) => [call.status, call.committed ?? false])).toEqual([
      ["reset", true],
      [404, false],
    ]);
  });

  it("rejects a role outside the catalog before calling the create endpoint", async () => {
    const client = clientFor(s, c);
    const err = await client.ensureUser(identity(6), { roles: ["No Such Role"] }).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST)).toBe(true);
    expect(creates()).toBe(0);
    const catalog = await client.roleCatalog();
    for (const role of [...c.roles, ...c.otherRoles]) expect(catalog.map((r) => r.name)).toContain(role);
  });

  it("pages through 2,500 users without reading any one by one", async () => {
    const planeModule = s.sim.planes.find((p) => p.plane === c.plane)!;
    planeModule.seedUsers(2500, "paged-");
    const client = clientFor(s, c);
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listUsers(cursor);
      for (const u of page.users) seen.add(u.userName);
      cursor = page.next;
      pages++;
    } while (cursor !== undefined && pages < 1000);
    expect(seen.size).toBe(2500 + c.baseline);
    for (const n of [0, 1249, 2499]) expect(seen.has(`paged-${n}`)).toBe(true);
    const calls = s.sim.calls.calls({ plane: c.plane });
    expect(calls.every((call) => call.method === "GET" || call.route.endsWith("/auth/login"))).toBe(true);
    expect(calls.filter((call) => call.method === "GET").length).toBe(pages);
  });
});
