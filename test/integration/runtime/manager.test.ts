import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controller } from "../../../src/runtime/controller.js";
import { Informer } from "../../../src/runtime/informer.js";
import { KubeClient, collectionPath } from "../../../src/runtime/kube-client.js";
import { Manager } from "../../../src/runtime/manager.js";
import { eventually } from "../../helpers/eventually.js";
import { type TestCluster, testCluster } from "../../helpers/kube.js";

let cluster: TestCluster;
let client: KubeClient;
const stops: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  cluster = await testCluster("manager");
  client = new KubeClient(cluster.kc);
});

afterAll(async () => {
  for (const stop of stops) await stop();
  client?.close();
});

/** One replica of a tiny operator: a ConfigMap informer, a controller recording what it reconciles, and a server-like runnable. */
function replica(identity: string, reconciled: string[]) {
  const informer = new Informer({
    client,
    path: collectionPath({ group: "", version: "v1", plural: "configmaps", namespace: cluster.namespace }),
    labelSelector: "suite=manager",
  });
  const manager = new Manager({
    leaderElection: { client, namespace: cluster.namespace, name: "operator", identity, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 },
  });
  manager.addInformer(informer);
  const controller = new Controller({
    name: "configmaps",
    reconciler: { reconcile: async (req) => void reconciled.push(`${identity}:${req.name}`) },
  });
  controller.watch(informer);
  manager.add(controller);
  let serving = false;
  manager.add({
    name: "http-server",
    needLeaderElection: false,
    start: async (signal) => {
      serving = true;
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    },
  });
  const abort = new AbortController();
  const running = manager.start(abort.signal);
  const stop = async () => {
    abort.abort();
    await running;
  };
  stops.push(stop);
  return { manager, stop, running, serving: () => serving };
}

describe("Manager against the real API server", () => {
  it("runs controllers only on the leader, serves on every replica, and fails over with a full reconcile", async () => {
    await cluster.core.createNamespacedConfigMap({ namespace: cluster.namespace, body: { metadata: { name: "first", labels: { suite: "manager" } } } });
    const reconciled: string[] = [];
    const a = replica("replica-a", reconciled);
    await eventually(() => a.manager.isLeader());
    const b = replica("replica-b", reconciled);
    await eventually(() => b.manager.hasSynced() && b.serving());

    await cluster.core.createNamespacedConfigMap({ namespace: cluster.namespace, body: { metadata: { name: "second", labels: { suite: "manager" } } } });
    await eventually(() => reconciled.includes("replica-a:second"));
    expect(reconciled).toContain("replica-a:first");
    expect(b.manager.isLeader()).toBe(false);
    expect(reconciled.filter((r) => r.startsWith("replica-b"))).toEqual([]);

    await a.stop(); // releases the lease after its controllers stopped
    await eventually(() => b.manager.isLeader());
    // The new leader reconciles everything it has cached, not only what changes from now on.
    await eventually(() => reconciled.includes("replica-b:first") && reconciled.includes("replica-b:second"));
  });

  it("passes its graceful shutdown period to runnables: a controller drains for that long, then aborts", async () => {
    const manager = new Manager({ gracefulShutdownMs: 300 });
    const contexts: unknown[] = [];
    manager.add({
      name: "server",
      needLeaderElection: false,
      start: async (signal, context) => {
        contexts.push(context);
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      },
    });
    let reconcileSignal: AbortSignal | undefined;
    let abortedAfterMs: number | undefined;
    let stoppedAt = 0;
    const controller = new Controller({
      name: "stuck",
      reconciler: {
        reconcile: async (_req, ctx) => {
          reconcileSignal = ctx.signal;
          ctx.signal.addEventListener("abort", () => (abortedAfterMs = Date.now() - stoppedAt));
          await new Promise(() => {}); // ignores its signal and never returns
        },
      },
    });
    controller.enqueue({ namespace: "ns", name: "a" });
    manager.add(controller);
    const abort = new AbortController();
    const running = manager.start(abort.signal);
    await eventually(() => reconcileSignal !== undefined);
    stoppedAt = Date.now();
    abort.abort();
    await running; // the manager stops waiting after 300 ms too, at about the same moment
    expect(contexts).toEqual([{ gracefulShutdownMs: 300 }]);
    // Not cut off at stop: the reconcile's signal aborts only once the 300 ms are over.
    await eventually(() => abortedAfterMs !== undefined);
    expect(abortedAfterMs).toBeGreaterThanOrEqual(290);
  });

  it("stops everything and rejects when a runnable fails", async () => {
    const manager = new Manager();
    let stoppedCleanly = false;
    manager.add({ name: "broken", start: async () => Promise.reject(new Error("port in use")) });
    manager.add({
      name: "server",
      needLeaderElection: false,
      start: (signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve((stoppedCleanly = true)), { once: true })).then(() => {}),
    });
    await expect(manager.start(new AbortController().signal)).rejects.toMatchObject({ code: "RUNTIME_ERR_RUNNABLE", message: expect.stringContaining("port in use") });
    expect(stoppedCleanly).toBe(true);
  });
});
