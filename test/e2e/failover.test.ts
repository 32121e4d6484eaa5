import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import {
  type ChildReplica,
  MAPPED_GROUPS,
  SCIM_TOKEN,
  type Stack,
  condition,
  getUser,
  lastCall,
  leads,
  leaseHolder,
  listUsers,
  oktaAddMembers,
  oktaAssign,
  oktaPushGroup,
  readLease,
  remote,
  scimOver,
  serviceState,
  spawnReplica,
  startStack,
} from "../helpers/e2e.js";

// Real processes killed with SIGKILL: no shutdown hook runs, the Lease stays held until it expires.
const lease = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
const running: ChildReplica[] = [];
let stack: Stack | undefined;

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.kill()));
  await stack?.stop();
  stack = undefined;
});

const spawn = async (s: Stack, identity: string) => {
  const replica = await spawnReplica(s, identity);
  running.push(replica);
  return replica;
};

/** Waits until the user holds the PKI Admins grant in CertCentral and says so. */
const provisioned = (s: Stack, id: string) =>
  eventually(async () => {
    const u = await getUser(s, id);
    expect(condition(u, "Synced")?.status).toBe("True");
    expect(serviceState(u, "certcentral")).toMatchObject({ state: "Provisioned", roles: ["Manager"] });
    return u;
  }, 30_000);

describe("replicas and kills", () => {
  it("runs exactly one leader of two; killing it hands over within the lease and the new leader reconciles", async () => {
    const s = (stack = await startStack("e2e-ha", { lease }));
    const [a, b] = await Promise.all([spawn(s, "replica-a"), spawn(s, "replica-b")]);
    const holder = await eventually(async () => {
      const h = await leaseHolder(s);
      expect(["replica-a", "replica-b"]).toContain(h);
      return h!;
    }, 30_000);
    const [leader, follower] = holder === a.identity ? [a, b] : [b, a];
    await eventually(async () => expect([await leads(leader), await leads(follower)]).toEqual([1, 0]));

    // Both replicas serve SCIM; the leader reconciles what arrives through the follower.
    const idp = scimOver(follower, s);
    const before = await oktaAssign(idp, "before@example.com");
    const pki = await oktaPushGroup(idp, MAPPED_GROUPS.pki, [before]);
    await provisioned(s, before);

    await leader.kill();
    const held = (await readLease(s))!;
    // Not released (a clean stop would have shortened the lease to 1 s): only expiry frees it.
    expect(held).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: lease.leaseDurationMs / 1000 });

    const after = await oktaAssign(idp, "after@example.com");
    await oktaAddMembers(idp, pki, [after]);
    // The follower takes the Lease once it has seen no renewal for a lease duration, measured from
    // when it read the last renewal; it reads every retry period (plus up to 20 % jitter). So the
    // Lease's own timestamps show the handover at least a lease duration after the last renewal and
    // at most two jittered retry periods later, plus up to three seconds for API round trips on a busy machine.
    await eventually(async () => expect(await leaseHolder(s)).toBe(follower.identity), 30_000);
    const taken = (await readLease(s))!;
    const handover = Date.parse(String(taken.acquireTime)) - Date.parse(String(held.renewTime));
    expect(handover).toBeGreaterThanOrEqual(lease.leaseDurationMs);
    expect(handover).toBeLessThanOrEqual(lease.leaseDurationMs + 2 * 1.2 * lease.retryPeriodMs + 3_000);
    expect(taken.leaseTransitions).toBe((held.leaseTransitions ?? 0) + 1);
    expect(await leads(follower)).toBe(1);

    await provisioned(s, after);
    expect(remote(s).certcentral().map((u) => u.username).sort()).toEqual(["after@example.com", "before@example.com"]);

    // Neither process logged a credential, not even the one killed mid-flight.
    const secrets = [SCIM_TOKEN, s.s.sim.options.certcentral.apiKeys[0]!, s.s.sim.options.dns.apiKeys[0]!];
    for (const replica of [leader, follower]) {
      expect(replica.output()).toContain('"operator started"');
      for (const secret of secrets) expect(replica.output()).not.toContain(secret);
    }
  });

  it("converges after a SIGKILL in the middle of provisioning, with exactly one remote user per SCIM user", async () => {
    // Few workers and slow creates, so the kill lands while creates are in flight; the first two
    // creates are committed by DigiCert but their answers never arrive: after the kill, only
    // DigiCert knows about those users.
    const s = (stack = await startStack("e2e-kill", { lease, userWorkers: 4 }));
    const first = await spawn(s, "first");
    await eventually(async () => expect(await leads(first)).toBe(1), 30_000);
    const unanswered = s.s.sim.faults.add({ plane: "certcentral", kind: "timeout", method: "POST", afterCommit: true, count: 2 });
    const slow = s.s.sim.faults.add({ plane: "certcentral", kind: "latency", method: "POST", latencyMs: 300 });
    const idp = scimOver(first, s);
    const names = Array.from({ length: 30 }, (_, i) => `hire-${String(i).padStart(2, "0")}@example.com`);
    const ids: string[] = [];
    for (const name of names) ids.push(await oktaAssign(idp, name));
    await oktaPushGroup(idp, MAPPED_GROUPS.pki, ids);

    await eventually(() => remote(s).certcentral().length >= 6, 30_000);
    await first.kill();
    s.s.sim.faults.remove(unanswered.id);
    s.s.sim.faults.remove(slow.id);
    const atKill = remote(s).certcentral();
    expect(atKill.length).toBeLessThan(names.length);
    const recorded = new Set((await listUsers(s)).filter((u) => serviceState(u, "certcentral")?.remoteId).map((u) => u.status?.scim?.userName));
    expect(atKill.filter((u) => !recorded.has(u.username)).length).toBeGreaterThanOrEqual(2);

    const since = lastCall(s);
    const second = await spawn(s, "second");
    for (const id of ids) await provisioned(s, id);
    expect(await leaseHolder(s)).toBe(second.identity);

    const users = remote(s).certcentral();
    expect(users.map((u) => u.username).sort()).toEqual(names);
    expect(users.every((u) => u.access_roles.map((r) => r.name).join() === "Manager")).toBe(true);
    // Each DigiCertUser points at the one remote user of its userName.
    const byName = new Map(users.map((u) => [u.username, String(u.id)]));
    const dcus = await listUsers(s);
    expect(dcus).toHaveLength(names.length);
    for (const u of dcus) expect(serviceState(u, "certcentral")?.remoteId).toBe(byName.get(u.status?.scim?.userName ?? ""));
    // The restarted operator created exactly the users DigiCert did not hold yet, each once, and
    // adopted the ones whose create it never heard back about.
    const creates = s.s.sim.calls.calls({ since, plane: "certcentral", route: "POST /services/v2/user" });
    expect(creates.map((c) => c.status)).toEqual(Array(names.length - atKill.length).fill(201));
  });
});
