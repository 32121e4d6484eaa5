import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, clientFor, identity, pool, testHttpConfig } from "../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../simulator/index.js";
import type { AccessClient, DesiredAccess, UserIdentity } from "./provider.js";

// 20% of calls fail (mixed 5xx, 429, resets and timeouts, some after the change was made) and the
// providers must still converge: every user exists once, with exactly the roles asked for last.
const USERS = 500;
let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ seed: 42, timeoutHangMs: 800, certcentral: { rateLimits: [] } });
});
afterAll(() => s.close());
beforeEach(() => s.sim.reset());

function injectMixedFailures(plane: string): void {
  const f = (spec: Parameters<typeof s.sim.faults.add>[0]) => s.sim.faults.add({ plane: plane as never, ...spec });
  f({ kind: "error", status: 500, rate: 0.025 });
  f({ kind: "error", status: 503, rate: 0.025 });
  f({ kind: "rate-limit", rate: 0.05, retryAfter: "0" });
  f({ kind: "reset", rate: 0.025 });
  f({ kind: "reset", rate: 0.025, afterCommit: true });
  f({ kind: "timeout", rate: 0.025 });
  f({ kind: "timeout", rate: 0.025, afterCommit: true });
}

/** What a controller does: try everyone, requeue the failures, until all succeed (bounded). */
async function converge(client: AccessClient, work: { who: UserIdentity; access: DesiredAccess }[]): Promise<number> {
  let pending = work;
  let passes = 0;
  while (pending.length > 0 && passes < 6) {
    passes++;
    const results = await pool(pending, 25, (w) => client.ensureUser(w.who, w.access));
    pending = pending.filter((_, i) => results[i]!.status === "rejected");
  }
  expect(pending).toEqual([]);
  return passes;
}

describe.each(BACKENDS)("$service under 20% mixed failures", (c) => {
  it(`converges ${USERS} users with no duplicates and no lost role changes`, async () => {
    const client = clientFor(s, c, { config: testHttpConfig({ timeoutMs: 500 }) });
    injectMixedFailures(c.plane);
    const people = Array.from({ length: USERS }, (_, i) => identity(i));
    await converge(client, people.map((who) => ({ who, access: { roles: c.roles } })));
    // Half of them change roles while the faults continue.
    const changed = new Set(people.filter((_, i) => i % 2 === 0).map((p) => p.userName));
    await converge(client, people.filter((p) => changed.has(p.userName)).map((who) => ({ who, access: { roles: c.otherRoles } })));

    const calls = s.sim.calls.calls({ plane: c.plane });
    const injected = calls.filter((x) => x.fault).length / calls.length;
    expect(injected).toBeGreaterThan(0.12);
    const creates = calls.filter((x) => x.route === c.createRoute);
    // Exactly one create took effect per user. (A create the service refuses as a duplicate can
    // happen when a timed-out request is processed after our lookup; the provider then adopts it.)
    const madeUsers = creates.filter((x) => x.status === 201 || x.committed).length;
    expect(madeUsers).toBe(USERS);

    s.sim.faults.clear();
    const truth = new Map<string, string[]>();
    for (let cursor: string | undefined = "0", first = true; first || cursor; first = false) {
      const page = await client.listUsers(first ? undefined : cursor);
      for (const u of page.users) {
        expect(truth.has(u.userName)).toBe(false);
        truth.set(u.userName, u.roles);
      }
      cursor = page.next;
    }
    expect(truth.size).toBe(USERS + c.baseline);
    for (const p of people) {
      const want = changed.has(p.userName) ? c.otherRoles : c.roles;
      expect([...(truth.get(p.userName) ?? [])].sort()).toEqual([...want].sort());
    }
  }, 60_000);
});
