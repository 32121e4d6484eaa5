import { randomBytes } from "node:crypto";
import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";
import type { Informer } from "./informer.js";
import type { KubeObject } from "./kube-client.js";
import type { ControllerMetrics, RuntimeMetrics } from "./metrics.js";
import { objectKey, splitKey } from "./object.js";
import type { RateLimiter } from "./rate-limiter.js";
import { type Reconciler, type ReconcileRequest, isPanic, isTerminalError } from "./reconciler.js";
import type { RunnableContext } from "./manager.js";
import { type Clock, sleep, systemClock } from "./timing.js";
import { WorkQueue } from "./work-queue.js";

export interface ControllerOptions {
  /** Names the controller in logs and metrics (label `controller`, and `name` of its queue). */
  name: string;
  reconciler: Reconciler;
  /** Workers reconciling different objects at once. Defaults to 1. */
  maxConcurrentReconciles?: number;
  /** Where controller_runtime_* and workqueue_* are recorded; none when omitted. */
  metrics?: RuntimeMetrics;
  logger?: Logger;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Defaults to controller-runtime's (5 ms → 1000 s per item, 10 qps / burst 100 overall). */
  rateLimiter?: RateLimiter<string>;
}

/** Maps an object to the requests it should trigger (e.g. a GroupMapping to the users it affects). */
export type MapFunc<T> = (obj: T) => ReconcileRequest[];

const requestKey = (req: ReconcileRequest): string => (req.namespace ? `${req.namespace}/${req.name}` : req.name);

/**
 * Runs a Reconciler: a de-duplicating work queue fed by informer events, N workers, and
 * controller-runtime's result handling. A controller is started once; when it stops, its queue is
 * gone (a replica that loses leadership exits and restarts, as controller-runtime's manager does).
 */
export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  readonly #reconciler: Reconciler;
  readonly #workers: number;
  readonly #metrics: ControllerMetrics | undefined;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sources: Informer<KubeObject>[] = [];
  #started = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#reconciler = options.reconciler;
    this.#workers = options.maxConcurrentReconciles ?? 1;
    if (!Number.isInteger(this.#workers) || this.#workers < 1) {
      throw new RuntimeError(RUNTIME_ERRORS.CONFIG, `controller ${options.name}: maxConcurrentReconciles must be a positive integer`);
    }
    this.#clock = options.clock ?? systemClock;
    this.#metrics = options.metrics?.controller(options.name, this.#workers);
    this.#log = (options.logger ?? silentLogger()).child({ controller: options.name });
    this.queue = new WorkQueue<string>({ clock: this.#clock, rateLimiter: options.rateLimiter, metrics: options.metrics?.workQueue(options.name) });
  }

  /** Queues a reconcile of one object now. */
  enqueue(request: ReconcileRequest): void {
    this.queue.add(requestKey(request));
  }

  /** Queues a reconcile of one object after a delay. */
  enqueueAfter(request: ReconcileRequest, delayMs: number): void {
    this.queue.addAfter(requestKey(request), delayMs);
  }

  /**
   * Reconciles on every add, update and delete of the informer's objects: the object itself, or
   * whatever `map` returns (for updates, of both the old and the new object, so a move from A to B
   * reconciles both). Objects already cached are queued at once. start() waits for this informer
   * to sync before any worker runs. Returns the unsubscribe function.
   */
  watch<T extends KubeObject>(informer: Informer<T>, map?: MapFunc<T>): () => void {
    const enqueueFor = (obj: T) => {
      if (!map) return this.queue.add(objectKey(obj));
      try {
        for (const request of map(obj)) this.enqueue(request);
      } catch (err) {
        this.#log.error({ informer: informer.name, err: messageOf(err) }, "map function threw; event dropped");
      }
    };
    this.#sources.push(informer as unknown as Informer<KubeObject>);
    const unsubscribe = [
      informer.on("add", enqueueFor),
      informer.on("update", (oldObj, newObj) => {
        enqueueFor(oldObj);
        enqueueFor(newObj);
      }),
      informer.on("delete", enqueueFor),
    ];
    for (const obj of informer.list()) enqueueFor(obj);
    return () => unsubscribe.forEach((fn) => fn());
  }

  /**
   * Waits for every watched informer to sync, then reconciles with N workers until `signal` aborts.
   * Then reconciles already running finish (their context signal stays live, so a write
   * half done is not cut off), for at most `context.gracefulShutdownMs` (the manager passes the
   * runtime config's; 30 s when started on its own). Keys queued but not started are dropped:
   * reconciling is level-based, so whichever replica leads next reconciles every object anyway.
   * When the grace period runs out, the context signals of the remaining reconciles abort and
   * start() resolves without waiting for them further.
   */
  async start(signal: AbortSignal, context: Partial<RunnableContext> = {}): Promise<void> {
    if (this.#started) throw new RuntimeError(RUNTIME_ERRORS.CONFIG, `controller ${this.name} was started twice`);
    this.#started = true;
    const graceMs = context.gracefulShutdownMs ?? 30_000;
    // Running reconciles keep a live signal while they finish; it aborts when the grace runs out.
    const reconciles = new AbortController();
    let onStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (onStopped = resolve));
    const stop = () => {
      // Queued and held-back keys are dropped and idle workers return; running reconciles go on.
      this.queue.shutDown();
      onStopped();
    };
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) stop();
    try {
      for (const informer of this.#sources) {
        if (!(await informer.waitForSync(signal))) return;
      }
      this.#log.info({ workers: this.#workers }, "starting workers");
      const workers = Promise.all(Array.from({ length: this.#workers }, () => this.#work(reconciles.signal)));
      await Promise.race([workers, stopped]);
      const grace = new AbortController();
      const finished = await Promise.race([workers.then(() => true), sleep(graceMs, grace.signal, this.#clock).then(() => false)]);
      grace.abort();
      if (finished) this.#log.info("all workers stopped");
      else this.#log.error({ gracefulShutdownMs: graceMs }, "reconciles still running after the graceful shutdown period; aborting their signals");
    } finally {
      signal.removeEventListener("abort", stop);
      reconciles.abort();
      this.queue.shutDown();
    }
  }

  async #work(reconcileSignal: AbortSignal): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      this.#metrics?.activeWorkers(1);
      try {
        await this.#reconcileOne(key, reconcileSignal);
      } finally {
        this.#metrics?.activeWorkers(-1);
        this.queue.done(key);
      }
    }
  }

  async #reconcileOne(key: string, signal: AbortSignal): Promise<void> {
    const request = splitKey(key);
    const logger = this.#log.child({ namespace: request.namespace, name: request.name, reconcileId: randomBytes(4).toString("hex") });
    const started = this.#clock.now();
    const seconds = () => (this.#clock.now() - started) / 1000;
    try {
      const result = await this.#reconciler.reconcile(request, { signal, logger });
      this.queue.forget(key);
      const after = result?.requeueAfterMs ?? 0;
      if (after > 0) {
        this.queue.addAfter(key, after);
        this.#metrics?.reconciled("requeue_after", seconds());
      } else {
        this.#metrics?.reconciled("success", seconds());
      }
    } catch (err) {
      this.#metrics?.errored();
      this.#metrics?.reconciled("error", seconds());
      const code = (err as { code?: unknown }).code;
      if (isTerminalError(err)) {
        // Retrying cannot help; the next change to the object enqueues it afresh.
        this.#metrics?.terminal();
        this.queue.forget(key);
        logger.error({ err: messageOf(err), code }, "reconcile failed terminally; not retrying");
        return;
      }
      if (isPanic(err)) {
        this.#metrics?.panicked();
        logger.error({ err: messageOf(err), stack: err instanceof Error ? err.stack : undefined }, "reconcile panicked (programming error); retrying with backoff");
      } else {
        logger.warn({ err: messageOf(err), code, retries: this.queue.numRequeues(key) }, "reconcile failed; retrying with backoff");
      }
      this.queue.addRateLimited(key);
    }
  }
}
