import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The DigiCert HTTP layer's metrics; label values are service names, route templates and statuses, never secrets. */
export interface HttpMetrics {
  requests: Counter<"service" | "endpoint" | "status">;
  duration: Histogram<"service" | "endpoint">;
  rateLimitWait: Histogram<"service">;
  retries: Counter<"service" | "reason">;
  breakerOpen: Gauge<"service">;
}

export const RETRY_REASONS = ["rate_limited", "server_error", "network", "timeout"] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

const byRegistry = new WeakMap<Registry, HttpMetrics>();

/** The metrics on `registry`, created on first use so several clients can share one registry. */
export function httpMetrics(registry: Registry): HttpMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics) return metrics;
  const registers = [registry];
  metrics = {
    requests: new Counter({
      name: "digicert_http_requests_total",
      help: "Requests sent to DigiCert APIs, by service, endpoint (route template) and status (HTTP code, network, timeout, unsendable, circuit_open).",
      labelNames: ["service", "endpoint", "status"],
      registers,
    }),
    duration: new Histogram({
      name: "digicert_http_request_duration_seconds",
      help: "Latency of DigiCert API requests, per attempt.",
      labelNames: ["service", "endpoint"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    rateLimitWait: new Histogram({
      name: "digicert_rate_limit_wait_seconds",
      help: "Time requests waited in the client-side rate limiter before being sent.",
      labelNames: ["service"],
      buckets: [0, 0.01, 0.1, 0.5, 1, 5, 15, 60, 180],
      registers,
    }),
    retries: new Counter({
      name: "digicert_http_retries_total",
      help: "Requests retried, by reason.",
      labelNames: ["service", "reason"],
      registers,
    }),
    breakerOpen: new Gauge({
      name: "digicert_circuit_open",
      help: "1 while the circuit breaker for the service is open or half-open.",
      labelNames: ["service"],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** Sets every known label set of a service to 0 so dashboards see the series before the first call. */
export function initServiceMetrics(metrics: HttpMetrics, service: string, endpoints: readonly string[]): void {
  for (const reason of RETRY_REASONS) metrics.retries.inc({ service, reason }, 0);
  metrics.breakerOpen.set({ service }, 0);
  for (const endpoint of endpoints) metrics.requests.inc({ service, endpoint, status: "200" }, 0);
}
