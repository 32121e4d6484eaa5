import { Counter, Gauge, type Registry } from "prom-client";
import { SERVICE_NAMES } from "../api/v1alpha1/index.js";

export const PROVIDER_OPERATIONS = ["ensure", "disable", "delete"] as const;
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

/**
 * The controllers' own metric families (the runtime adds controller_runtime_* and workqueue_*).
 * Labels are service names, operations, results and tenant names: never credentials or user data.
 */
export class ControllerMetrics {
  readonly driftCorrections: Counter<"service">;
  readonly resyncs: Counter<"result">;
  readonly providerCalls: Counter<"service" | "operation" | "result">;
  readonly guardTripped: Gauge<"namespace" | "tenant">;
  readonly guardTrips: Counter<"namespace" | "tenant">;
  readonly deactivationsInWindow: Gauge<"namespace" | "tenant">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.driftCorrections = new Counter({
      name: "digicert_access_drift_corrections_total",
      help: "DigiCert users found by the periodic resync to differ from their applied access, and corrected",
      labelNames: ["service"],
      registers,
    });
    this.resyncs = new Counter({ name: "digicert_access_resyncs_total", help: "Per-tenant, per-service drift checks (paged listUsers) by result", labelNames: ["result"], registers });
    this.providerCalls = new Counter({
      name: "digicert_access_user_operations_total",
      help: "Changes the DigiCertUser controller applied through the providers, by service, operation and result",
      labelNames: ["service", "operation", "result"],
      registers,
    });
    this.guardTripped = new Gauge({
      name: "digicert_access_deprovision_guard_tripped",
      help: "1 while a tenant's mass-deprovision guard holds deprovisioning until someone approves it",
      labelNames: ["namespace", "tenant"],
      registers,
    });
    this.guardTrips = new Counter({ name: "digicert_access_deprovision_guard_trips_total", help: "Times a tenant's mass-deprovision guard tripped", labelNames: ["namespace", "tenant"], registers });
    this.deactivationsInWindow = new Gauge({
      name: "digicert_access_deactivations_in_window",
      help: "Deactivations and deletions the mass-deprovision guard counts in its window, per tenant",
      labelNames: ["namespace", "tenant"],
      registers,
    });
    for (const service of SERVICE_NAMES) {
      this.driftCorrections.inc({ service }, 0);
      for (const operation of PROVIDER_OPERATIONS) for (const result of ["success", "error"]) this.providerCalls.inc({ service, operation, result }, 0);
    }
    for (const result of ["success", "error"]) this.resyncs.inc({ result }, 0);
  }

  readonly #tenants = new Set<string>();

  /** Starts a tenant's series at zero (once), so an alert on them has a baseline before the first trip. */
  initTenant(namespace: string, tenant: string): void {
    if (this.#tenants.has(`${namespace}/${tenant}`)) return;
    this.#tenants.add(`${namespace}/${tenant}`);
    this.guardTripped.set({ namespace, tenant }, 0);
    this.guardTrips.inc({ namespace, tenant }, 0);
    this.deactivationsInWindow.set({ namespace, tenant }, 0);
  }

  forgetTenant(namespace: string, tenant: string): void {
    this.#tenants.delete(`${namespace}/${tenant}`);
    this.guardTripped.remove({ namespace, tenant });
    this.guardTrips.remove({ namespace, tenant });
    this.deactivationsInWindow.remove({ namespace, tenant });
  }
}
