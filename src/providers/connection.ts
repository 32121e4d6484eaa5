import { parseDurationMs } from "../api/v1alpha1/meta.js";
import type { ServiceConnection } from "../api/v1alpha1/scim-tenant.js";
import type { ConnectionSettings } from "./provider.js";

/**
 * The settings a backend needs for one ScimTenant service entry, with the credential the caller read
 * from the referenced Secret. Rate limits given as durations ("5s", "3m") become windows in ms;
 * absent limits fall back to the backend's published defaults.
 */
export function connectionSettings(connection: ServiceConnection, credentials: string, options?: Record<string, unknown>): ConnectionSettings {
  return {
    service: connection.service,
    credentials,
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...(connection.rateLimits ? { rateLimits: connection.rateLimits.map((w) => ({ requests: w.requests, windowMs: parseDurationMs(w.window) })) } : {}),
    ...(options ? { options } : {}),
  };
}
