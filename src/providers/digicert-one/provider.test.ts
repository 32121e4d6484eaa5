import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError } from "../provider.js";

const tlm = BACKENDS.find((b) => b.service === "trust-lifecycle")!;
const stm = { ...tlm, service: "software-trust" as const };
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator();
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

const users = () => (s.sim.digicertOne.state() as { users: { username: string; roles: { application_code: string }[] }[] }).users;

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
