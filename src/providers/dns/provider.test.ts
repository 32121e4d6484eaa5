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

  it("logs in while a full window of calls waits for the token, on first use and on refresh", async () => {
    // A clock that runs (the limiter's windows must drain) but can jump past the token's hour.
    let offset = 0;
    const running = { ...systemClock, now: () => Date.now() + offset };
    const local = await startSimulator({ now: running.now });
    try {
      const client = clientFor(local, dns, { clock: running }, { rateLimits: [{ requests: 2, windowMs: 50 }] });
      const burst = () =>
        Promise.race([
          Promise.all([1, 2, 3, 4].map((n) => client.getUser(identity(n).userName))),
          new Promise((_, reject) => setTimeout(() => reject(new Error("deadlocked: the login never got a slot")), 3_000)),
        ]);
      await expect(burst()).resolves.toEqual([undefined, undefined, undefined, undefined]);
      offset += 56 * 60_000; // inside the refresh margin: the next calls must log in again
      await expect(burst()).resolves.toHaveLength(4);
      expect(local.sim.calls.counts().byRoute["POST /dns/auth/login"]).toBe(2);
    } finally {
      await local.close();
    }
  });
});
