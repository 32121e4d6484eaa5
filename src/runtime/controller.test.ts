import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { FakeClock } from "../../test/helpers/fake-clock.js";
import { createLogger } from "../observability/logger.js";
import { Controller } from "./controller.js";
import { RuntimeMetrics } from "./metrics.js";
import { type ReconcileContext, type ReconcileRequest, type ReconcileResult, TerminalError } from "./reconciler.js";

type Behaviour = (req: ReconcileRequest, ctx: ReconcileContext, call: number) => Promise<ReconcileResult | void> | ReconcileResult | void;

function setup(behaviour: Behaviour, options: { workers?: number; gracefulShutdownMs?: number } = {}) {
  const clock = new FakeClock();
  const registry = new Registry();
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  const calls: string[] = [];
  const controller = new Controller({
    name: "things",
    clock,
    metrics: new RuntimeMetrics(registry),
    logger: createLogger({ level: "debug", destination }),
    maxConcurrentReconciles: options.workers ?? 1,
    reconciler: {
      reconcile: async (req, ctx) => {
        calls.push(`${req.namespace}/${req.name}`);
        return behaviour(req, ctx, calls.length);
      },
    },
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal, { gracefulShutdownMs: options.gracefulShutdownMs });
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    (await registry.getSingleMetric(name)!.get()).values.find(
      (v) => v.labels.controller === "things" && !("le" in v.labels) && Object.entries(labels).every(([k, val]) => v.labels[k] === val),
    )?.value;
  return { clock, controller, calls, abort, running, metric, lines };
}

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe("Controller reconcile contract", () => {
  it("initialises every metric label set to zero before any work", async () => {
    const { metric, abort, running } = setup(() => {});
    for (const result of ["success", "error", "requeue", "requeue_after"]) {
      expect(await metric("controller_runtime_reconcile_total", { result })).toBe(0);
    }
    for (const name of ["controller_runtime_reconcile_errors_total", "controller_runtime_terminal_reconcile_errors_total", "controller_runtime_reconcile_panics_total", "controller_runtime_active_workers"]) {
      expect(await metric(name)).toBe(0);
    }
    expect(await metric("controller_runtime_max_concurrent_reconciles")).toBe(1);
    abort.abort();
    await running;
  });

  it("retries a thrown error with growing backoff and resets it on success", async () => {
    const { clock, controller, calls, metric } = setup((_r, _c, call) => {
      if (call <= 2) throw new Error("DigiCert said 503");
    });
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    clock.advance(4);
    expect(calls).toHaveLength(1);
    clock.advance(1); // 5 ms: first backoff
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    clock.advance(9);
    expect(calls).toHaveLength(2);
    clock.advance(1); // 10 ms: second backoff
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    await vi.waitFor(async () => expect(await metric("controller_runtime_reconcile_total", { result: "success" })).toBe(1));
    expect(await metric("controller_runtime_reconcile_total", { result: "error" })).toBe(2);
    expect(await metric("controller_runtime_reconcile_errors_total")).toBe(2);
    expect(controller.queue.numRequeues("ns/a")).toBe(0);
  });

  it("requeues after requeueAfterMs on success, and not before", async () => {
    const { clock, controller, calls, metric } = setup(() => ({ requeueAfterMs: 60_000 }));
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    clock.advance(59_999);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(await metric("controller_runtime_reconcile_total", { result: "requeue_after" })).toBeGreaterThanOrEqual(1);
  });

  it("counts a TerminalError (also when wrapped) and never retries it", async () => {
    const { clock, controller, calls, metric, lines } = setup(() => {
      throw new Error("reconcile failed", { cause: new TerminalError("MAPPING_ERR_UNKNOWN_SERVICE", "no service named foo") });
    });
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.waitFor(async () => expect(await metric("controller_runtime_terminal_reconcile_errors_total")).toBe(1));
    clock.advance(2_000_000);
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    expect(await metric("controller_runtime_reconcile_total", { result: "error" })).toBe(1);
    expect(lines.some((l) => l.msg === "reconcile failed terminally; not retrying" && l.namespace === "ns" && l.name === "a")).toBe(true);
  });

  it("catches programming errors per item, counts them as panics and keeps working", async () => {
    const { clock, controller, calls, metric } = setup((req, _c, call) => {
      if (req.name === "bad" && call === 1) (undefined as unknown as { x: number }).x;
    });
    controller.enqueue({ namespace: "ns", name: "bad" });
    controller.enqueue({ namespace: "ns", name: "good" });
    await vi.waitFor(() => expect(calls).toEqual(["ns/bad", "ns/good"]));
    expect(await metric("controller_runtime_reconcile_panics_total")).toBe(1);
    clock.advance(5);
    await vi.waitFor(() => expect(calls).toEqual(["ns/bad", "ns/good", "ns/bad"]));
  });
});

describe("Controller concurrency and shutdown", () => {
  it("runs N workers, never one key twice at once, and gives a busy key exactly one more pass", async () => {
    const gates = new Map<number, ReturnType<typeof deferred>>();
    let active = 0;
    let maxActive = 0;
    const { controller, calls } = setup(
      async (_r, _c, call) => {
        active++;
        maxActive = Math.max(maxActive, active);
        const gate = deferred();
        gates.set(call, gate);
        await gate.promise;
        active--;
      },
      { workers: 2 },
    );
    for (const name of ["a", "b", "c"]) controller.enqueue({ namespace: "ns", name });
    await vi.waitFor(() => expect(calls).toEqual(["ns/a", "ns/b"]));
    // Three events for "a" while it is being reconciled.
    for (let i = 0; i < 3; i++) controller.enqueue({ namespace: "ns", name: "a" });
    gates.get(2)!.resolve(); // b finishes: the free worker takes c, not a second copy of a
    await vi.waitFor(() => expect(calls).toEqual(["ns/a", "ns/b", "ns/c"]));
    gates.get(1)!.resolve(); // a finishes: exactly one more pass of a
    await vi.waitFor(() => expect(calls).toEqual(["ns/a", "ns/b", "ns/c", "ns/a"]));
    gates.get(3)!.resolve();
    gates.get(4)!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(4);
    expect(maxActive).toBe(2);
  });

  it("on stop drains: the in-flight reconcile finishes with a live signal, queued and new keys are dropped", async () => {
    const gate = deferred();
    let abortedAtEnd: boolean | undefined;
    const { clock, controller, calls, abort, running } = setup(
      async (_r, ctx) => {
        await gate.promise;
        abortedAtEnd = ctx.signal.aborted;
      },
      { gracefulShutdownMs: 10_000 },
    );
    controller.enqueue({ namespace: "ns", name: "a" });
    controller.enqueue({ namespace: "ns", name: "b" });
    await vi.waitFor(() => expect(calls).toEqual(["ns/a"]));
    abort.abort();
    // Events arriving while draining: for the running key (dirty) and for a new one.
    controller.enqueue({ namespace: "ns", name: "a" });
    controller.enqueue({ namespace: "ns", name: "c" });
    let stopped = false;
    void running.then(() => (stopped = true));
    clock.advance(9_999);
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    gate.resolve();
    await running;
    expect(abortedAtEnd).toBe(false);
    expect(calls).toEqual(["ns/a"]);
    await expect(controller.start(new AbortController().signal)).rejects.toThrow(/started twice/);
  });

  it("after the graceful shutdown period aborts the remaining reconciles' signals and stops waiting for them", async () => {
    let signal: AbortSignal | undefined;
    const { clock, controller, calls, abort, running, lines } = setup(
      async (_r, ctx) => {
        signal = ctx.signal;
        await new Promise(() => {}); // a reconcile that never returns
      },
      { gracefulShutdownMs: 1_000 },
    );
    controller.enqueue({ namespace: "ns", name: "stuck" });
    await vi.waitFor(() => expect(calls).toEqual(["ns/stuck"]));
    abort.abort();
    let stopped = false;
    void running.then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    expect(signal?.aborted).toBe(false);
    clock.advance(1);
    await running;
    expect(signal?.aborted).toBe(true);
    expect(lines.some((l) => l.msg === "reconciles still running after the graceful shutdown period; aborting their signals" && l.gracefulShutdownMs === 1_000)).toBe(true);
  });
});
