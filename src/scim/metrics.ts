import { Counter, Histogram, type Registry } from "prom-client";

export const AUTH_FAILURE_REASONS = ["missing", "invalid", "throttled", "unknown-tenant"] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];
const RESOURCES = ["Users", "Groups", "Bulk", "Search", "Discovery", "Other"] as const;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** The receiver's metrics; tenant labels are "namespace/name", never anything a client chose freely. */
export interface ScimMetrics {
  requests: Counter<"tenant" | "resource" | "method" | "status">;
  duration: Histogram<"resource" | "method">;
  authFailures: Counter<"tenant" | "reason">;
  /** Sets the tenant's auth-failure series to 0 the first time the tenant is seen. */
  seeTenant(tenant: string): void;
}

export function createScimMetrics(registry: Registry): ScimMetrics {
  const requests = new Counter({
    name: "scim_requests_total",
    help: "SCIM requests by tenant, resource, method and HTTP status.",
    labelNames: ["tenant", "resource", "method", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "scim_request_duration_seconds",
    help: "SCIM request latency.",
    labelNames: ["resource", "method"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: "scim_auth_failures_total",
    help: "Failed SCIM authentications by tenant and reason.",
    labelNames: ["tenant", "reason"] as const,
    registers: [registry],
  });
  for (const resource of RESOURCES) for (const method of METHODS) duration.zero({ resource, method });
  for (const reason of AUTH_FAILURE_REASONS) authFailures.inc({ tenant: "unknown", reason }, 0);
  const seen = new Set<string>();
  return {
    requests,
    duration,
    authFailures,
    seeTenant(tenant) {
      if (seen.has(tenant)) return;
      seen.add(tenant);
      for (const reason of AUTH_FAILURE_REASONS) authFailures.inc({ tenant, reason }, 0);
    },
  };
}

/** The metrics label for a request path below the tenant prefix. */
export function resourceLabel(rest: string): (typeof RESOURCES)[number] {
  const first = rest.split("/").filter(Boolean)[0]?.toLowerCase();
  if (first === "users") return rest.toLowerCase().endsWith("/.search") ? "Search" : "Users";
  if (first === "groups") return rest.toLowerCase().endsWith("/.search") ? "Search" : "Groups";
  if (first === "bulk") return "Bulk";
  if (first === ".search") return "Search";
  if (first === "serviceproviderconfig" || first === "resourcetypes" || first === "schemas") return "Discovery";
  return "Other";
}
