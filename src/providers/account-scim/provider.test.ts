import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError } from "../provider.js";
import { accountScimProvider } from "./provider.js";

const scim = BACKENDS.find((b) => b.service === "digicert-account")!;
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ accountScim: { foreignUserNames: ["taken@other.example"] } });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

describe("account-scim provider", () => {
  it("reports a username owned by another DigiCert account as a conflict", async () => {
    const err = await clientFor(s, scim).ensureUser({ ...identity(1), userName: "taken@other.example" }, { roles: [] }).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.CONFLICT)).toBe(true);
    expect((err as Error).message).toMatch(/another DigiCert account/);
    expect(s.sim.calls.counts().byRoute["POST /scim/v2/Users"]).toBe(1);
  });

  it("takes over a user that already exists in the account instead of creating another", async () => {
    s.sim.accountScim.addLocalUser(identity(2).userName);
    const result = await clientFor(s, scim).ensureUser(identity(2), { roles: ["Signers"] });
    expect(result.outcome).toBe("updated");
    expect(await clientFor(s, scim).getUser(identity(2).userName)).toMatchObject({ roles: ["Signers"], email: identity(2).email });
    expect(s.sim.calls.counts().byRoute["POST /scim/v2/Users"]).toBeUndefined();
  });

  it("needs the account's SCIM base URL, since DigiCert publishes no default", () => {
    expect(() => accountScimProvider.newClient({ service: "digicert-account", credentials: "t" }, {})).toThrow(/SCIM base URL has no default/);
  });
});
