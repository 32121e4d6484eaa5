import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../../src/runtime/kube-client.js";
import { LeaderElector, type LeaderElectionOptions } from "../../../src/runtime/leader-election.js";
import { RuntimeMetrics } from "../../../src/runtime/metrics.js";
import { eventually } from "../../helpers/eventually.js";
import { FaultProxy } from "../../helpers/fault-proxy.js";
import { type TestCluster, testCluster } from "../../helpers/kube.js";

interface LeaseJson {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

let cluster: TestCluster;
let direct: KubeClient;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  cluster = await testCluster("leader");
  direct = new KubeClient(cluster.kc);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  direct?.close();
});

/** A candidate with its own registry, running until its abort controller fires. */
function candidate(lease: string, identity: string, client: KubeClient, overrides: Partial<LeaderElectionOptions> = {}) {
  const registry = new Registry();
  const elector = new LeaderElector({
    client,
    namespace: cluster.namespace,
    name: lease,
    identity,
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 200,
    metrics: new RuntimeMetrics(registry),
    ...overrides,
  });
  const abort = new AbortController();
  const events: string[] = [];
  const done = elector.run(abort.signal, {
    onStartedLeading: (signal) => {
      events.push("started");
      signal.addEventListener("abort", () => events.push("leadership-signal-aborted"));
    },
    onStoppedLeading: () => void events.push("stopped"),
  });
  const masterStatus = async () => (await registry.getSingleMetric("leader_election_master_status")!.get()).values.find((v) => v.labels.name === lease)?.value;
  const stop = async () => {
    abort.abort();
    await done;
  };
  cleanups.push(stop);
  return { elector, events, done, stop, masterStatus };
}

const readLease = (name: string) =>
  direct.request<LeaseJson>({ path: `/apis/coordination.k8s.io/v1/namespaces/${cluster.namespace}/leases/${name}` });

describe("LeaderElector against the real API server", () => {
  it("lets exactly one of two candidates lead, with MicroTime timestamps in the Lease", async () => {
    const a = candidate("one-leader", "replica-a", direct);
    const b = candidate("one-leader", "replica-b", direct);
    await eventually(() => a.elector.isLeader() || b.elector.isLeader());
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];

    // Several renew periods later, still exactly one leader and it is the Lease's holder.
    await eventually(async () => (await readLease("one-leader")).spec.renewTime !== undefined);
    const first = await readLease("one-leader");
    await eventually(async () => (await readLease("one-leader")).spec.renewTime !== first.spec.renewTime);
    expect(leader.elector.isLeader()).toBe(true);
    expect(follower.elector.isLeader()).toBe(false);
    const lease = await readLease("one-leader");
    expect(lease.spec.holderIdentity).toBe(leader.elector.identity);
    expect(lease.spec.leaseDurationSeconds).toBe(3);
    expect(lease.spec.renewTime).toMatch(/\.\d{6}Z$/);
    expect(lease.spec.acquireTime).toMatch(/\.\d{6}Z$/);
    await eventually(() => follower.elector.leader === leader.elector.identity);
    expect(await leader.masterStatus()).toBe(1);
    expect(await follower.masterStatus()).toBe(0);
    expect(follower.events).toEqual([]);
  });

  it("hands over when the leader can no longer renew; the old leader stops leading first", async () => {
    const proxy = await FaultProxy.start(cluster.kc);
    const proxied = new KubeClient(proxy.kubeConfig());
    cleanups.push(async () => {
      proxied.close();
      await proxy.close();
    });
    const a = candidate("takeover", "replica-a", proxied);
    await eventually(() => a.elector.isLeader());
    const b = candidate("takeover", "replica-b", direct);
    const before = await readLease("takeover");

    proxy.failWith(503); // replica-a is cut off from the API server
    await a.done; // run() returns once the renew deadline has passed
    expect(a.events).toEqual(["started", "leadership-signal-aborted", "stopped"]);
    expect(a.elector.isLeader()).toBe(false);
    expect(await a.masterStatus()).toBe(0);

    await eventually(() => b.elector.isLeader());
    const after = await readLease("takeover");
    expect(after.spec.holderIdentity).toBe("replica-b");
    expect(after.spec.leaseTransitions).toBe((before.spec.leaseTransitions ?? 0) + 1);
    expect(Date.parse(after.spec.acquireTime!)).toBeGreaterThan(Date.parse(before.spec.acquireTime!));
  });

  it("releases the lease on shutdown so the next candidate takes over without waiting it out", async () => {
    // A lease far longer than this test may run: only a release can explain a takeover.
    const long = { leaseDurationMs: 600_000, renewDeadlineMs: 10_000, retryPeriodMs: 200 };
    const a = candidate("release", "replica-a", direct, long);
    await eventually(() => a.elector.isLeader());
    const b = candidate("release", "replica-b", direct, long);
    await eventually(() => b.elector.leader === "replica-a");

    await a.stop();
    expect(a.events).toEqual(["started", "leadership-signal-aborted", "stopped"]);
    await eventually(() => b.elector.isLeader());
    const lease = await readLease("release");
    expect(lease.spec.holderIdentity).toBe("replica-b");
    expect(lease.spec.leaseTransitions).toBe(1);
  });

  it("refuses timings where a leader could outlive its lease", () => {
    expect(() => new LeaderElector({ client: direct, namespace: "x", name: "y", leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(
      /leaseDuration > renewDeadline > retryPeriod/,
    );
  });
});
