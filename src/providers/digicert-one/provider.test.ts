import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError } from "../provider.js";
import { SharedHttpState } from "../http/shared-state.js";
import { systemClock } from "../../runtime/timing.js";
import { testHttpConfig } from "../../../test/helpers/providers.js";

const tlm = BACKENDS.find((b) => b.service === "trust-lifecycle")!;
const stm = { ...tlm, service: "software-trust" as const };
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator();
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

const users = () => (s.sim.digicertOne.state() as { users: { username: string; roles: { name: string; application_code: string }[] }[] }).users;
const MANAGERS = [
  ["trust-lifecycle", "Manager"],
  ["software-trust", "Signer"],
  ["document-trust", "Client admin"],
  ["iot-trust", "Device Creator"],
] as const;
/** One client per manager on one API key, built the way the composition root builds them. */
const managers = () => {
  const shared = new SharedHttpState(systemClock, testHttpConfig());
  return MANAGERS.map(([service]) => clientFor(s, { ...tlm, service }, { shared }));
};
// Every read answers late, so managers that did not wait for each other would all read the same
// roles before any of them wrote.
const slowReads = () => s.sim.faults.add({ plane: "digicert-one", kind: "latency", latencyMs: 40, method: "GET" });

describe("digicert-one provider", () => {
  it("shares one Account Manager user between managers and deletes it only when no manager is left", async () => {
    const trust = clientFor(s, tlm);
    const signing = clientFor(s, stm);
    await trust.ensureUser(identity(1), { roles: ["Manager"] });
    expect((await signing.ensureUser(identity(1), { roles: ["Signer"] })).outcome).toBe("updated");
    expect(users().filter((u) => u.username === identity(1).userName)).toHaveLength(1);
    expect(await trust.getUser(identity(1).userName)).toMatchObject({ roles: ["Manager"] });
    expect(await signing.getUser(identity(1).userName)).toMatchObject({ roles: ["Signer"] });

    expect(await trust.deleteUser(identity(1).userName)).toBe("deleted");
    expect(await trust.getUser(identity(1).userName)).toMatchObject({ state: "disabled", roles: [] });
    expect(await signing.getUser(identity(1).userName)).toMatchObject({ state: "active", roles: ["Signer"] });
    await signing.deleteUser(identity(1).userName);
    expect(users().some((u) => u.username === identity(1).userName)).toBe(false);
  });

  it("keeps every manager's roles when all of them change one user at once", async () => {
    const clients = managers();
    await clients[0]!.ensureUser(identity(2), { roles: ["View only"] });
    slowReads();
    await Promise.all(clients.map((client, i) => client.ensureUser(identity(2), { roles: [MANAGERS[i]![1]] })));
    const held = users().find((u) => u.username === identity(2).userName)!.roles.map((r) => r.name);
    expect(held.sort()).toEqual(MANAGERS.map(([, role]) => role).sort());
  });

  it("deletes the user when every manager removes it at once", async () => {
    const clients = managers();
    for (const [i, client] of clients.entries()) await client.ensureUser(identity(3), { roles: [MANAGERS[i]![1]] });
    slowReads();
    const outcomes = await Promise.all(clients.map((client) => client.deleteUser(identity(3).userName)));
    expect(outcomes).toEqual(["deleted", "deleted", "deleted", "deleted"]);
    expect(users().some((u) => u.username === identity(3).userName)).toBe(false);
  });

  it.each(["errors", "error"] as const)("reads the %s error dialect", async (dialect) => {
    s.sim.options.digicertOne.errorDialect = dialect;
    try {
      const err = await clientFor(s, tlm, {}, { credentials: "wrong" }).validateCredentials().catch((e: unknown) => e);
      expect(isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED)).toBe(true);
      expect(err).toMatchObject({ remoteCode: "invalid_api_key" });
    } finally {
      s.sim.options.digicertOne.errorDialect = "alternate";
    }
  });
});
