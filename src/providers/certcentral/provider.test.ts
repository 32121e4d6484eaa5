import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError } from "../provider.js";

const cc = BACKENDS.find((b) => b.service === "certcentral")!;
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ certcentral: { rateLimits: [] } });
});
afterAll(() => s.close());
beforeEach(() => {
  s.sim.reset();
  s.sim.options.certcentral.accountManaged = false;
});

type CcState = { users: { username: string; email: string; job_title?: string; has_container_assignments: boolean; status: string }[]; keys: { status: string }[] };
const state = () => s.sim.certcentral.state() as CcState;
const posts = () => s.sim.calls.counts().byRoute["POST /services/v2/user"] ?? 0;

describe("certcentral provider", () => {
  it("waits for DigiCert-account-managed users to activate, then approves them with the role", async () => {
    s.sim.options.certcentral.accountManaged = true;
    const client = clientFor(s, cc, {}, { options: { accountManaged: true } });
    expect((await client.ensureUser(identity(1), { roles: ["Manager"] })).outcome).toBe("pending");
    s.sim.certcentral.activate({ username: identity(1).userName, email: identity(1).email });
    expect((await client.getUser(identity(1).userName))?.state).toBe("pending");
    const approved = await client.ensureUser(identity(1), { roles: ["Manager"] });
    expect(approved.outcome).toBe("updated");
    expect(await client.getUser(identity(1).userName)).toMatchObject({ state: "active", roles: ["Manager"] });
    expect(posts()).toBe(0);
  });

  it("revokes the user's API keys before deleting it", async () => {
    const client = clientFor(s, cc);
    await client.ensureUser(identity(2), { roles: ["Standard User"] });
    s.sim.certcentral.addKey(identity(2).userName);
    expect(await client.deleteUser(identity(2).userName)).toBe("deleted");
    expect(state().keys.map((k) => k.status)).toEqual(["revoked"]);
  });

  it("sends the full profile on edit, so a title the IdP dropped is cleared", async () => {
    const client = clientFor(s, cc);
    await client.ensureUser({ ...identity(3), title: "Engineer" }, { roles: ["Standard User"] });
    expect(state().users.find((u) => u.username === identity(3).userName)?.job_title).toBe("Engineer");
    await client.ensureUser({ ...identity(3), email: "new@example.com" }, { roles: ["Standard User"] });
    const after = state().users.find((u) => u.username === identity(3).userName)!;
    expect(after.email).toBe("new@example.com");
    expect(after.job_title).toBeUndefined();
  });

  it("restricts to divisions and lifts the restriction with an empty list", async () => {
    const client = clientFor(s, cc);
    await client.ensureUser(identity(4), { roles: ["Standard User"], divisions: ["Finance", "Operations"] });
    expect((await client.getUser(identity(4).userName))?.divisions.sort()).toEqual(["Finance", "Operations"]);
    await client.ensureUser(identity(4), { roles: ["Standard User"], divisions: [] });
    expect(state().users.find((u) => u.username === identity(4).userName)?.has_container_assignments).toBe(false);
  });

  it.each([
    ["two roles", identity(5), { roles: ["Manager", "Standard User"] }, /exactly one role/],
    ["an unknown division", identity(5), { roles: ["Manager"], divisions: ["Nowhere"] }, /unknown CertCentral division/],
    ["a username CertCentral refuses", { ...identity(5), userName: "has space" }, { roles: ["Manager"] }, /characters CertCentral refuses/],
  ])("refuses %s as an invalid request", async (_name, who, access, message) => {
    const err = await clientFor(s, cc).ensureUser(who, access).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(posts()).toBe(0);
  });

  it("reports a create CertCentral refuses after one confirming lookup, not a loop", async () => {
    const err = await clientFor(s, cc).ensureUser({ ...identity(6), email: "not-an-email" }, { roles: ["Manager"] }).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST)).toBe(true);
    expect(s.sim.calls.counts().byRoute).toEqual({ "GET /services/v2/user": 2, "POST /services/v2/user": 1 });
  });
});
