import type { DigiCertUser, ScimTenant, ServiceName } from "../../api/v1alpha1/index.js";
import type { RemoteUser } from "../../providers/index.js";
import { sameSet } from "../../providers/ensure.js";
import type { Runnable } from "../../runtime/index.js";
import { sleep } from "../../runtime/timing.js";
import { isOperatorError, messageOf } from "../../errors.js";
import type { ControllerContext } from "../shared/context.js";
import { parseDurationMs } from "../../api/v1alpha1/index.js";
import { BY_TENANT, tenantKey } from "../shared/resources.js";
import type { DriftHints } from "./drift-hints.js";
import type { ServiceStatus } from "./plan.js";

/** How often the scheduler looks for tenants whose resync is due. */
const TICK_MS = 250;

/** Does DigiCert's record contradict what status says was applied? */
export function drifted(entry: ServiceStatus, remote: RemoteUser | undefined): boolean {
  switch (entry.state) {
    case "Provisioned":
      if (!remote || remote.state !== "active" || !sameSet(remote.roles, entry.roles ?? [])) return true;
      return (entry.divisions?.length ?? 0) > 0 && !sameSet(remote.divisions, entry.divisions ?? []);
    case "Pending":
      // The user activated in DigiCert: roles can be applied now.
      return remote?.state === "active";
    case "Disabled":
      return remote?.state === "active";
    case "Deleted":
      return remote !== undefined && remote.state !== "pending";
    default:
      // Failed and Planned entries are being retried or were never applied.
      return false;
  }
}

/**
 * Periodic drift correction per tenant (leader only): lists every user of each connected service
 * in pages (cost ~ users / page size, never one read per user), compares each managed user with the
 * access its status says was applied, and enqueues only the users that differ, with a hint naming
 * the services to re-apply. A resync that finds nothing writes nothing, to DigiCert or Kubernetes.
 */
export class TenantResync implements Runnable {
  readonly name = "digicert-user-resync";
  readonly #due = new Map<string, number>();
  readonly #running = new Set<string>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly hints: DriftHints,
    private readonly enqueueUser: (namespace: string, name: string) => void,
  ) {}

  async start(signal: AbortSignal): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (!signal.aborted) {
      const now = Date.now();
      for (const tenant of this.ctx.informers.tenants.list()) {
        const key = tenantKey(tenant.metadata.namespace, tenant.metadata.name);
        if (tenant.spec.dryRun || tenant.spec.suspend || this.#running.has(key)) continue;
        // First resync right after start: a restart must not postpone drift detection by a period.
        const due = this.#due.get(key) ?? now;
        if (now < due || inFlight.size >= this.ctx.config.resyncConcurrency) continue;
        this.#running.add(key);
        const run: Promise<void> = this.resyncTenant(tenant, signal).then(() => undefined).finally(() => {
          this.#running.delete(key);
          this.#due.set(key, Date.now() + parseDurationMs(tenant.spec.resyncPeriod) * (1 + this.ctx.config.resyncJitter * Math.random()));
          inFlight.delete(run);
        });
        inFlight.add(run);
      }
      await sleep(TICK_MS, signal);
    }
    await Promise.all(inFlight);
  }

  /** One drift check of one tenant; returns how many users were found drifted. Exposed for tests and benchmarks. */
  async resyncTenant(tenant: ScimTenant, signal?: AbortSignal): Promise<number> {
    const { informers, connections, metrics, logger } = this.ctx;
    const namespace = tenant.metadata.namespace ?? "";
    const users = informers.users.byIndex(BY_TENANT, tenantKey(namespace, tenant.metadata.name));
    const found = new Set<string>();
    for (const conn of tenant.spec.services) {
      const managed = users.filter((u) => u.metadata.deletionTimestamp === undefined && !u.spec.suspend && entryFor(u, conn.service));
      if (managed.length === 0) continue;
      let remote: Map<string, RemoteUser>;
      try {
        remote = await listAll(connections.client(tenant, conn.service), signal);
        metrics.resyncs.inc({ result: "success" });
      } catch (err) {
        metrics.resyncs.inc({ result: "error" });
        logger.warn({ tenant: tenant.metadata.name, namespace, service: conn.service, code: isOperatorError(err) ? err.code : undefined, err: messageOf(err) }, "resync: listing users failed");
        continue;
      }
      for (const user of managed) {
        const entry = entryFor(user, conn.service)!;
        if (!drifted(entry, remote.get(user.status!.scim!.userName.toLowerCase()))) continue;
        this.hints.add(`${namespace}/${user.metadata.name}`, conn.service);
        found.add(user.metadata.name);
      }
    }
    for (const name of found) this.enqueueUser(namespace, name);
    if (found.size > 0) logger.info({ tenant: tenant.metadata.name, namespace, drifted: found.size }, "resync found drift");
    return found.size;
  }
}

const entryFor = (user: DigiCertUser, service: ServiceName) => (user.status?.scim ? user.status.services?.find((s) => s.service === service) : undefined);

async function listAll(client: { listUsers(cursor?: string): Promise<{ users: RemoteUser[]; next?: string }> }, signal?: AbortSignal): Promise<Map<string, RemoteUser>> {
  const out = new Map<string, RemoteUser>();
  let cursor: string | undefined;
  do {
    const page = await client.listUsers(cursor);
    for (const u of page.users) out.set(u.userName.toLowerCase(), u);
    cursor = page.next;
  } while (cursor !== undefined && !signal?.aborted);
  return out;
}
