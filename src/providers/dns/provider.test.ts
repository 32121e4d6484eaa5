import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity } from "../../../test/helpers/providers.js";
import { systemClock } from "../../runtime/timing.js";
import { startSimulator, type RunningSimulator } from "../../simulator/index.js";

const dns = BACKENDS.find((b) => b.service === "dns")!;
let t = 1_700_000_000_000;
const clock = { ...systemClock, now: () => t };
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ now: clock.now });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());
const logins = () => s.sim.calls.counts().byRoute["POST /dns/auth/login"] ?? 0;

describe("dns provider", () => {
  it("logs in once, reuses the token, and refreshes it before the hour is up", async () => {
    const client = clientFor(s, dns, { clock });
    await client.ensureUser(identity(1), { roles: ["Technical"] });
    await client.getUser(identity(1).userName);
    await client.listUsers();
    expect(logins()).toBe(1);
    t += 56 * 60_000; // within five minutes of expiry
    await client.getUser(identity(1).userName);
    expect(logins()).toBe(2);
    expect(s.sim.calls.calls().filter((c) => c.status === 401)).toEqual([]);
  });

  it("logs in again once when DigiCert no longer accepts the token", async () => {
    const client = clientFor(s, dns, { clock });
    await client.getUser(identity(2).userName);
    s.sim.dns.reset(); // forgets every token it issued
    expect(await client.getUser(identity(2).userName)).toBeUndefined();
    expect(logins()).toBe(2);
  });

  it("suspends on disable and reactivates on ensure", async () => {
    const client = clientFor(s, dns, { clock });
    await client.ensureUser(identity(3), { roles: ["Technical", "Reporting"] });
    await client.disableUser(identity(3).userName);
    expect(await client.getUser(identity(3).userName)).toMatchObject({ state: "disabled" });
    expect((await client.ensureUser(identity(3), { roles: ["Technical", "Reporting"] })).outcome).toBe("updated");
    expect(await client.getUser(identity(3).userName)).toMatchObject({ state: "active" });
  });
});
