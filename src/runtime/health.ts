import type { FastifyInstance } from "fastify";
import { messageOf } from "../errors.js";

/** A named check; returning false or throwing means failed (the message says why). */
export type HealthCheck = () => boolean | Promise<boolean>;

export interface HealthReport {
  ok: boolean;
  checks: Record<string, "ok" | string>;
}

/**
 * Measures event-loop lag with a ticker: each tick notes how late it fired. The process counts as
 * alive while the worst lag in the last `windowMs` stays under `thresholdMs` and the ticker itself
 * keeps running. A loop blocked by a runaway computation fails /healthz, so the kubelet restarts it;
 * an idle or merely busy operator does not.
 */
export class EventLoopMonitor {
  readonly #intervalMs: number;
  readonly #windowMs: number;
  readonly thresholdMs: number;
  #samples: Array<{ at: number; lagMs: number }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #expected = 0;

  constructor(options: { thresholdMs?: number; intervalMs?: number; windowMs?: number } = {}) {
    this.thresholdMs = options.thresholdMs ?? 5_000;
    this.#intervalMs = options.intervalMs ?? 500;
    this.#windowMs = options.windowMs ?? 30_000;
  }

  start(): void {
    if (this.#timer) return;
    const tick = () => {
      const now = Date.now();
      this.#samples.push({ at: now, lagMs: Math.max(0, now - this.#expected) });
      while (this.#samples.length > 0 && this.#samples[0]!.at < now - this.#windowMs) this.#samples.shift();
      this.#expected = now + this.#intervalMs;
      this.#timer = setTimeout(tick, this.#intervalMs);
      this.#timer.unref();
    };
    this.#expected = Date.now();
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The worst lag seen in the window, counting the current tick if it is overdue. */
  lagMs(): number {
    const overdue = Math.max(0, Date.now() - this.#expected);
    return Math.max(overdue, ...this.#samples.map((s) => s.lagMs));
  }

  /** The liveness check: lag under the threshold. */
  readonly check: HealthCheck = () => {
    if (!this.#timer) throw new Error("event-loop monitor is not running");
    const lag = this.lagMs();
    if (lag >= this.thresholdMs) throw new Error(`event loop lag ${Math.round(lag)} ms (threshold ${this.thresholdMs} ms)`);
    return true;
  };
}

/** Runs every check; a check that throws or returns false fails the report with its reason. */
export async function runChecks(checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const report: HealthReport = { ok: true, checks: {} };
  for (const [name, check] of Object.entries(checks)) {
    try {
      const ok = await check();
      report.checks[name] = ok ? "ok" : "failed";
      if (!ok) report.ok = false;
    } catch (err) {
      report.checks[name] = messageOf(err);
      report.ok = false;
    }
  }
  return report;
}

/**
 * Registers GET /healthz (liveness) and GET /readyz (readiness) on the operator's HTTP server:
 * 200 with the report when every check passes, 503 otherwise. Readiness is typically "every
 * informer cache has synced" (Manager.hasSynced); liveness the event-loop monitor's check.
 */
export function registerHealthRoutes(app: FastifyInstance, checks: { liveness: Record<string, HealthCheck>; readiness: Record<string, HealthCheck> }): void {
  const route = (path: string, set: Record<string, HealthCheck>) =>
    app.get(path, async (_req, reply) => {
      const report = await runChecks(set);
      return reply.code(report.ok ? 200 : 503).send({ status: report.ok ? "ok" : "failed", checks: report.checks });
    });
  route("/healthz", checks.liveness);
  route("/readyz", checks.readiness);
}
