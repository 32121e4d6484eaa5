import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../test/helpers/providers.js";
import { systemClock } from "../runtime/timing.js";
import { startSimulator, type RunningSimulator } from "../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError, type DesiredAccess } from "./provider.js";

// Roles, groups and divisions are created in DigiCert while the operator runs: the cached catalog
// must notice them without a restart, yet a typo must not cost a catalog read per user.
let t = 1_700_000_000_000;
const clock = { ...systemClock, now: () => t };
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ now: clock.now, certcentral: { rateLimits: [] } });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

const service = (name: string) => BACKENDS.find((b) => b.service === name)!;
/** Per backend: the catalog route ensureUser reads, access naming an entry, and how an admin adds one. */
const CASES = [
  { c: service("certcentral"), route: "GET /services/v2/container", access: (n: string): DesiredAccess => ({ roles: ["Standard User"], divisions: [n] }), known: "Finance", add: (n: string) => s.sim.certcentral.addCatalogEntry(n) },
  { c: service("trust-lifecycle"), route: "GET /account/api/v1/role", access: (n: string): DesiredAccess => ({ roles: [n] }), known: "Manager", add: (n: string) => s.sim.digicertOne.addCatalogEntry(n, "trust_lifecycle") },
  { c: service("dns"), route: "GET /dns/accessmanagement/usergroups", access: (n: string): DesiredAccess => ({ roles: [n] }), known: "Technical", add: (n: string) => s.sim.dns.addCatalogEntry(n) },
  { c: service("digicert-account"), route: "GET /scim/v2/Groups", access: (n: string): DesiredAccess => ({ roles: [n] }), known: "Signers", add: (n: string) => s.sim.accountScim.addCatalogEntry(n) },
];

describe.each(CASES)("$c.service catalog cache", ({ c, route, access, known, add }) => {
  const reads = () => s.sim.calls.counts({ plane: c.plane }).byRoute[route] ?? 0;
  const refused = (err: unknown) => isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST);

  it("finds an entry created after the first read by reading the catalog once more", async () => {
    const client = clientFor(s, c, { clock });
    await client.ensureUser(identity(1), access(known));
    expect(reads()).toBe(1);
    add("Auditors");
    t += 31_000;
    expect((await client.ensureUser(identity(2), access("Auditors"))).outcome).toBe("created");
    expect(reads()).toBe(2);
    const user = await client.getUser(identity(2).userName);
    expect([...user!.roles, ...user!.divisions]).toContain("Auditors");
  });

  it("reads again for a missing name at most once per interval", async () => {
    const client = clientFor(s, c, { clock });
    await client.ensureUser(identity(1), access(known));
    t += 31_000;
    for (const n of [2, 3, 4]) expect(refused(await client.ensureUser(identity(n), access("Typo")).catch((e: unknown) => e))).toBe(true);
    expect(reads()).toBe(2);
    t += 31_000;
    expect(refused(await client.ensureUser(identity(5), access("Typo")).catch((e: unknown) => e))).toBe(true);
    expect(reads()).toBe(3);
    expect(s.sim.calls.counts({ plane: c.plane }).byRoute[c.createRoute]).toBe(1);
  });

  it("reads the catalog again once its time to live has passed, and not before", async () => {
    const client = clientFor(s, c, { clock });
    await client.ensureUser(identity(1), access(known));
    t += 9 * 60_000;
    await client.ensureUser(identity(2), access(known));
    expect(reads()).toBe(1);
    t += 60_000;
    await client.ensureUser(identity(3), access(known));
    expect(reads()).toBe(2);
  });

  // CertCentral's roles are its five fixed ones; what an admin adds there is a division.
  it.skipIf(c.service === "certcentral")("shows a role created in DigiCert in the role catalog within the time to live", async () => {
    const client = clientFor(s, c, { clock });
    expect((await client.roleCatalog()).map((r) => r.name)).not.toContain("Auditors");
    add("Auditors");
    t += 10 * 60_000;
    expect((await client.roleCatalog()).map((r) => r.name)).toContain("Auditors");
  });
});
