import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Reconcile outcomes, as controller-runtime labels them. */
export const RECONCILE_RESULTS = ["success", "error", "requeue", "requeue_after"] as const;
export type ReconcileResultLabel = (typeof RECONCILE_RESULTS)[number];

// controller-runtime's buckets (pkg/internal/controller/metrics, pkg/metrics/workqueue.go).
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3,
  3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/** What a work queue reports (workqueue_* families, labelled name and controller). */
export interface WorkQueueMetrics {
  added(): void;
  depth(n: number): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
  /** Registers the queue's in-flight timings, read at scrape time. */
  inFlight(read: () => { unfinishedSeconds: number; longestSeconds: number }): void;
}

/** What a controller reports (controller_runtime_* families, labelled controller). */
export interface ControllerMetrics {
  reconciled(result: ReconcileResultLabel, seconds: number): void;
  errored(): void;
  terminal(): void;
  panicked(): void;
  activeWorkers(delta: number): void;
}

export interface LeaderElectionMetrics {
  leading(isLeader: boolean): void;
  slowPath(): void;
}

/**
 * The runtime's metric families, registered once on the registry handed in, with
 * controller-runtime's names so existing dashboards and alerts work. Each controller, queue and
 * election initialises its label sets to zero when it is created, so a series exists before the
 * first event (an alert on `rate(...errors_total)` needs the zero).
 */
export class RuntimeMetrics {
  readonly #inFlight = new Map<string, () => { unfinishedSeconds: number; longestSeconds: number }>();
  readonly #m;

  constructor(registry: Registry) {
    const registers = [registry];
    const inFlight = this.#inFlight;
    const queueLabels = ["name", "controller"] as const;
    this.#m = {
      reconcileTotal: new Counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller", labelNames: ["controller", "result"], registers }),
      reconcileErrors: new Counter({ name: "controller_runtime_reconcile_errors_total", help: "Total number of reconciliation errors per controller", labelNames: ["controller"], registers }),
      terminalErrors: new Counter({ name: "controller_runtime_terminal_reconcile_errors_total", help: "Total number of terminal reconciliation errors per controller", labelNames: ["controller"], registers }),
      panics: new Counter({ name: "controller_runtime_reconcile_panics_total", help: "Total number of reconciliation panics per controller", labelNames: ["controller"], registers }),
      reconcileTime: new Histogram({ name: "controller_runtime_reconcile_time_seconds", help: "Length of time per reconciliation per controller", labelNames: ["controller"], buckets: RECONCILE_BUCKETS, registers }),
      maxConcurrent: new Gauge({ name: "controller_runtime_max_concurrent_reconciles", help: "Maximum number of concurrent reconciles per controller", labelNames: ["controller"], registers }),
      activeWorkers: new Gauge({ name: "controller_runtime_active_workers", help: "Number of currently used workers per controller", labelNames: ["controller"], registers }),
      depth: new Gauge({ name: "workqueue_depth", help: "Current depth of workqueue", labelNames: queueLabels, registers }),
      adds: new Counter({ name: "workqueue_adds_total", help: "Total number of adds handled by workqueue", labelNames: queueLabels, registers }),
      queueDuration: new Histogram({ name: "workqueue_queue_duration_seconds", help: "How long in seconds an item stays in workqueue before being requested", labelNames: queueLabels, buckets: QUEUE_BUCKETS, registers }),
      workDuration: new Histogram({ name: "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes", labelNames: queueLabels, buckets: QUEUE_BUCKETS, registers }),
      unfinished: new Gauge({
        name: "workqueue_unfinished_work_seconds",
        help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
        labelNames: queueLabels,
        registers,
        collect() {
          for (const [name, read] of inFlight) this.set({ name, controller: name }, read().unfinishedSeconds);
        },
      }),
      longest: new Gauge({
        name: "workqueue_longest_running_processor_seconds",
        help: "How many seconds has the longest running processor for workqueue been running",
        labelNames: queueLabels,
        registers,
        collect() {
          for (const [name, read] of inFlight) this.set({ name, controller: name }, read().longestSeconds);
        },
      }),
      retries: new Counter({ name: "workqueue_retries_total", help: "Total number of retries handled by workqueue", labelNames: queueLabels, registers }),
      leaderStatus: new Gauge({ name: "leader_election_master_status", help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master", labelNames: ["name"], registers }),
      slowPath: new Counter({ name: "leader_election_slowpath_total", help: "Total number of slow path exercised in renewing leader leases", labelNames: ["name"], registers }),
    };
  }

  /** Metrics of the queue named `name` (controller-runtime names a controller's queue after it). */
  workQueue(name: string): WorkQueueMetrics {
    const m = this.#m;
    const labels = { name, controller: name };
    m.depth.set(labels, 0);
    m.adds.inc(labels, 0);
    m.retries.inc(labels, 0);
    m.unfinished.set(labels, 0);
    m.longest.set(labels, 0);
    m.queueDuration.zero(labels);
    m.workDuration.zero(labels);
    return {
      added: () => m.adds.inc(labels),
      depth: (n) => m.depth.set(labels, n),
      queued: (s) => m.queueDuration.observe(labels, s),
      worked: (s) => m.workDuration.observe(labels, s),
      retried: () => m.retries.inc(labels),
      inFlight: (read) => void this.#inFlight.set(name, read),
    };
  }

  controller(name: string, maxConcurrentReconciles: number): ControllerMetrics {
    const m = this.#m;
    const labels = { controller: name };
    for (const result of RECONCILE_RESULTS) m.reconcileTotal.inc({ controller: name, result }, 0);
    m.reconcileErrors.inc(labels, 0);
    m.terminalErrors.inc(labels, 0);
    m.panics.inc(labels, 0);
    m.reconcileTime.zero(labels);
    m.maxConcurrent.set(labels, maxConcurrentReconciles);
    m.activeWorkers.set(labels, 0);
    return {
      reconciled: (result, seconds) => {
        m.reconcileTotal.inc({ controller: name, result });
        m.reconcileTime.observe(labels, seconds);
      },
      errored: () => m.reconcileErrors.inc(labels),
      terminal: () => m.terminalErrors.inc(labels),
      panicked: () => m.panics.inc(labels),
      activeWorkers: (delta) => m.activeWorkers.inc(labels, delta),
    };
  }

  leaderElection(name: string): LeaderElectionMetrics {
    const m = this.#m;
    m.leaderStatus.set({ name }, 0);
    m.slowPath.inc({ name }, 0);
    return {
      leading: (isLeader) => m.leaderStatus.set({ name }, isLeader ? 1 : 0),
      slowPath: () => m.slowPath.inc({ name }),
    };
  }
}
