import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";
import type { Informer } from "./informer.js";
import type { KubeObject } from "./kube-client.js";
import { type LeaderElectionOptions, LeaderElector } from "./leader-election.js";
import type { RuntimeMetrics } from "./metrics.js";
import { sleep } from "./timing.js";

/** What the manager tells a runnable when starting it. */
export interface RunnableContext {
  /** How long the manager waits for the runnable after `signal` aborts (the runtime config's gracefulShutdownMs). */
  gracefulShutdownMs: number;
}

/** Anything the manager starts and stops: controllers, periodic jobs, servers. */
export interface Runnable {
  readonly name: string;
  /** Runs until `signal` aborts; rejecting before that is fatal for the whole manager. */
  start(signal: AbortSignal, context?: RunnableContext): Promise<void>;
  /** Run only on the elected leader. Defaults to true (controllers); servers set false. */
  readonly needLeaderElection?: boolean;
}

export interface ManagerOptions {
  /** Leader election; when omitted this process always leads (single replica, tests). */
  leaderElection?: Omit<LeaderElectionOptions, "metrics" | "logger">;
  metrics?: RuntimeMetrics;
  logger?: Logger;
  /** How long stopping waits for runnables before giving up on them. Defaults to 30 s. */
  gracefulShutdownMs?: number;
}

/**
 * Owns the process lifecycle, as controller-runtime's manager does: starts the informers on every
 * replica (so followers have warm caches and can serve reads), waits for them to sync, then starts
 * leader-only runnables once this replica holds the Lease. On stop it stops leader runnables
 * first, then releases the Lease, then stops everything else. Losing the Lease, or a runnable
 * failing, stops everything and makes start() reject: the process should exit and be restarted.
 */
export class Manager {
  readonly #informers: Informer<KubeObject>[] = [];
  readonly #runnables: Runnable[] = [];
  readonly #elector: LeaderElector | undefined;
  readonly #log: Logger;
  readonly #gracefulMs: number;
  #leading = false;
  #started = false;

  constructor(options: ManagerOptions = {}) {
    this.#log = (options.logger ?? silentLogger()).child({ component: "manager" });
    this.#gracefulMs = options.gracefulShutdownMs ?? 30_000;
    if (options.leaderElection) {
      this.#elector = new LeaderElector({ ...options.leaderElection, metrics: options.metrics, logger: options.logger });
    }
  }

  /** Adds a shared informer; started on every replica before any runnable that needs it. */
  addInformer<T extends KubeObject>(informer: Informer<T>): Informer<T> {
    this.#informers.push(informer as unknown as Informer<KubeObject>);
    return informer;
  }

  add(runnable: Runnable): void {
    if (this.#started) throw new RuntimeError(RUNTIME_ERRORS.CONFIG, `runnable ${runnable.name} added after start`);
    this.#runnables.push(runnable);
  }

  /** True once every informer has completed its first list (the meaning of /readyz). */
  hasSynced(): boolean {
    return this.#informers.every((i) => i.hasSynced());
  }

  /** True while leader-only runnables may run (always true without leader election once started). */
  isLeader(): boolean {
    return this.#leading;
  }

  get identity(): string | undefined {
    return this.#elector?.identity;
  }

  /** Runs until `signal` aborts (resolves) or something fatal happens (rejects with RuntimeError). */
  async start(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new RuntimeError(RUNTIME_ERRORS.CONFIG, "the manager was started twice");
    this.#started = true;
    const stop = new AbortController();
    let fatal: RuntimeError | undefined;
    const fail = (err: RuntimeError) => {
      fatal ??= err;
      this.#log.error({ err: messageOf(err), cause: messageOf(err.cause), code: err.code }, "stopping the manager");
      stop.abort();
    };
    const onAbort = () => stop.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) stop.abort();

    for (const informer of this.#informers) informer.start();
    const always = this.#runnables.filter((r) => r.needLeaderElection === false).map((r) => this.#run(r, stop.signal, fail));
    const leaderOnly = this.#runnables.filter((r) => r.needLeaderElection !== false);
    let leaderRuns: Promise<void>[] = [];
    const startLeading = (leaderSignal: AbortSignal) => {
      this.#leading = true;
      this.#log.info({ runnables: leaderOnly.map((r) => r.name) }, "leading: starting leader-only runnables");
      leaderRuns = leaderOnly.map((r) => this.#run(r, leaderSignal, fail));
    };
    const stopLeading = async () => {
      this.#leading = false;
      await this.#settle(leaderRuns, "leader-only runnables");
    };

    try {
      const synced = await Promise.all(this.#informers.map((i) => i.waitForSync(stop.signal)));
      if (synced.every(Boolean) && !stop.signal.aborted) {
        this.#log.info({ informers: this.#informers.length }, "caches synced");
        if (this.#elector) {
          await this.#elector.run(stop.signal, { onStartedLeading: startLeading, onStoppedLeading: stopLeading });
          if (!stop.signal.aborted) fail(new RuntimeError(RUNTIME_ERRORS.LEASE, "leadership lost; the process must restart"));
        } else {
          startLeading(stop.signal);
          await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
          await stopLeading();
        }
      }
      await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener("abort", () => resolve(), { once: true })));
      await this.#settle(always, "runnables");
    } finally {
      signal.removeEventListener("abort", onAbort);
      await Promise.all(this.#informers.map((i) => i.stop()));
    }
    if (fatal) throw fatal;
  }

  #run(runnable: Runnable, signal: AbortSignal, fail: (err: RuntimeError) => void): Promise<void> {
    return runnable.start(signal, { gracefulShutdownMs: this.#gracefulMs }).then(
      () => {
        if (!signal.aborted) this.#log.info({ runnable: runnable.name }, "runnable finished early");
      },
      (cause: unknown) => {
        if (signal.aborted) this.#log.warn({ runnable: runnable.name, err: messageOf(cause) }, "runnable failed while stopping");
        else fail(new RuntimeError(RUNTIME_ERRORS.RUNNABLE, `runnable ${runnable.name} failed: ${messageOf(cause)}`, { cause }));
      },
    );
  }

  /** Waits for runs to end, at most gracefulShutdownMs; runs never reject (see #run). */
  async #settle(runs: Promise<void>[], what: string): Promise<void> {
    const timeout = new AbortController();
    const finished = await Promise.race([Promise.all(runs).then(() => true), sleep(this.#gracefulMs, timeout.signal).then(() => false)]);
    timeout.abort();
    if (!finished) this.#log.error({ gracefulShutdownMs: this.#gracefulMs }, `${what} did not stop in time; abandoning them`);
  }
}
