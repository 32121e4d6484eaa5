import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { V1MicroTime } from "@kubernetes/client-node";
import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";
import { type KubeClient, isConflict, isNotFound } from "./kube-client.js";
import type { LeaderElectionMetrics, RuntimeMetrics } from "./metrics.js";
import { sleep } from "./timing.js";

export interface LeaderElectionOptions {
  client: KubeClient;
  /** Namespace and name of the Lease (one Lease per shard when controllers are sharded). */
  namespace: string;
  name: string;
  /** Unique per replica; defaults to defaultIdentity(). */
  identity?: string;
  /** How long a lease is honoured without renewal. Defaults to 15 s. */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long stops leading. Defaults to 10 s; must be < leaseDurationMs. */
  renewDeadlineMs?: number;
  /** Time between acquire/renew attempts. Defaults to 2 s. */
  retryPeriodMs?: number;
  /** On a clean stop, hand the lease back so another replica takes over at once. Defaults to true. */
  releaseOnCancel?: boolean;
  metrics?: RuntimeMetrics;
  logger?: Logger;
}

export interface LeaderCallbacks {
  /** Called once on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /**
   * Called once when leadership ends (lost, or stopping). On a clean stop the Lease is released only
   * after a returned promise settles, so the next leader never overlaps with work still running here.
   */
  onStoppedLeading?(): void | Promise<void>;
  /** Called whenever a different holder is observed (including ourselves). */
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Pod name (the hostname in Kubernetes) plus a random suffix, so a restarted pod is a new candidate. */
export const defaultIdentity = (): string => `${hostname()}_${randomBytes(4).toString("hex")}`;

/** MicroTime with six fractional digits: the API server rejects the three a plain Date serialises to. */
const microTime = (ms: number): string => new V1MicroTime(ms).toISOString();

/**
 * Lease-based leader election with client-go's algorithm (tools/leaderelection): a candidate takes
 * the Lease when it is free or when its holder has not renewed it for leaseDuration as measured on
 * the candidate's own clock from when it last saw the record change (no clock-skew assumptions);
 * updates carry the resourceVersion, so two candidates racing for it cannot both win. The leader
 * renews every retryPeriod and gives up once renewDeadline has passed without a successful renewal,
 * which is before any other candidate may take over (renewDeadline < leaseDuration).
 */
export class LeaderElector {
  readonly identity: string;
  readonly #o: Required<Omit<LeaderElectionOptions, "metrics" | "logger" | "identity">>;
  readonly #metrics: LeaderElectionMetrics | undefined;
  readonly #log: Logger;
  #leading = false;
  #observed: { spec: string; at: number } | undefined;
  #lease: Lease | undefined;
  #leader: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.identity = options.identity ?? defaultIdentity();
    this.#o = {
      client: options.client,
      namespace: options.namespace,
      name: options.name,
      leaseDurationMs: options.leaseDurationMs ?? 15_000,
      renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
      retryPeriodMs: options.retryPeriodMs ?? 2_000,
      releaseOnCancel: options.releaseOnCancel ?? true,
    };
    if (this.#o.leaseDurationMs <= this.#o.renewDeadlineMs || this.#o.renewDeadlineMs <= this.#o.retryPeriodMs) {
      throw new RuntimeError(RUNTIME_ERRORS.CONFIG, "leader election needs leaseDuration > renewDeadline > retryPeriod");
    }
    this.#metrics = options.metrics?.leaderElection(options.name);
    this.#log = (options.logger ?? silentLogger()).child({ lease: `${options.namespace}/${options.name}`, identity: this.identity });
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed in the Lease (undefined while unknown or free). */
  get leader(): string | undefined {
    return this.#leader;
  }

  /**
   * Campaigns until leader, leads until the lease is lost or `signal` aborts, then returns. It does
   * not campaign again: like controller-runtime, a replica that lost leadership should exit and be
   * restarted, so nothing it started while leading keeps running.
   */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    const path = this.#path();
    while (!signal.aborted && !(await this.#tryAcquireOrRenew(callbacks))) {
      await sleep(this.#o.retryPeriodMs * (1 + 0.2 * Math.random()), signal);
    }
    if (signal.aborted) return;
    this.#leading = true;
    this.#metrics?.leading(true);
    this.#log.info({ path }, "became leader");
    const leadership = new AbortController();
    try {
      callbacks.onStartedLeading(leadership.signal);
      let lastRenew = Date.now();
      while (!signal.aborted) {
        await sleep(this.#o.retryPeriodMs, signal);
        if (signal.aborted) break;
        // The deadline counts from when a successful renewal was sent (the renewTime others see), not when it returned.
        const attemptAt = Date.now();
        if (await this.#tryAcquireOrRenew(callbacks, lastRenew + this.#o.renewDeadlineMs)) {
          lastRenew = attemptAt;
        } else if (Date.now() - lastRenew >= this.#o.renewDeadlineMs) {
          this.#log.error({ sinceLastRenewMs: Date.now() - lastRenew }, "could not renew the lease before the deadline; stopped leading");
          break;
        }
      }
    } finally {
      this.#leading = false;
      this.#metrics?.leading(false);
      leadership.abort();
      await callbacks.onStoppedLeading?.();
      if (signal.aborted && this.#o.releaseOnCancel) await this.#release();
    }
  }

  /**
   * One attempt; true if we hold the lease afterwards. Every request of it ends by `deadline`: for a
   * renewal the renew deadline, for a candidate renewDeadline from now, which is the request timeout
   * kube-scheduler and kube-controller-manager give their leader-election clients. Without a bound, a
   * half-open connection would stall a candidate (or the leader's renewal) far beyond the lease.
   */
  async #tryAcquireOrRenew(callbacks: LeaderCallbacks, deadline = Date.now() + this.#o.renewDeadlineMs): Promise<boolean> {
    const timeoutMs = () => Math.max(1, deadline - Date.now());
    const now = Date.now();
    try {
      // Fast path: the leader updates the Lease it wrote last without reading it first.
      if (this.#leading && this.#lease) {
        try {
          this.#store(await this.#replace(this.#renewed(this.#lease, now), timeoutMs()), now);
          return true;
        } catch (err) {
          this.#metrics?.slowPath();
          this.#log.debug({ err: messageOf(err) }, "fast renew failed; reading the lease");
        }
      }
      let lease: Lease;
      try {
        lease = await this.#o.client.request<Lease>({ path: this.#path(), timeoutMs: timeoutMs() });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const created = await this.#o.client.request<Lease>({
          method: "POST",
          path: this.#path(true),
          body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.#o.name, namespace: this.#o.namespace }, spec: this.#spec(now, now, 0) },
          timeoutMs: timeoutMs(),
        });
        this.#store(created, now);
        this.#observeHolder(created, callbacks);
        return true;
      }
      const spec = lease.spec ?? {};
      const specText = JSON.stringify(spec);
      if (this.#observed?.spec !== specText) this.#observed = { spec: specText, at: now };
      this.#observeHolder(lease, callbacks);
      const holder = spec.holderIdentity ?? "";
      const heldByOther = holder !== "" && holder !== this.identity;
      if (heldByOther && this.#observed.at + this.#o.leaseDurationMs > now) return false;
      this.#store(await this.#replace(holder === this.identity ? this.#renewed(lease, now) : this.#taken(lease, now), timeoutMs()), now);
      this.#observeHolder(this.#lease!, callbacks);
      return true;
    } catch (err) {
      if (!isConflict(err)) this.#log.warn({ err: messageOf(err), code: (err as RuntimeError).code }, "lease acquire/renew failed");
      return false;
    }
  }

  #spec(acquiredAt: number, renewedAt: number, transitions: number): LeaseSpec {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      acquireTime: microTime(acquiredAt),
      renewTime: microTime(renewedAt),
      leaseTransitions: transitions,
    };
  }

  #renewed(lease: Lease, now: number): Lease {
    const spec = lease.spec ?? {};
    const acquired = spec.acquireTime ? Date.parse(spec.acquireTime) : now;
    return { ...lease, spec: this.#spec(acquired, now, spec.leaseTransitions ?? 0) };
  }

  #taken(lease: Lease, now: number): Lease {
    return { ...lease, spec: this.#spec(now, now, (lease.spec?.leaseTransitions ?? 0) + 1) };
  }

  #replace(lease: Lease, timeoutMs: number): Promise<Lease> {
    return this.#o.client.request<Lease>({ method: "PUT", path: this.#path(), body: lease, timeoutMs });
  }

  #store(lease: Lease, now: number): void {
    this.#lease = lease;
    this.#observed = { spec: JSON.stringify(lease.spec ?? {}), at: now };
  }

  #observeHolder(lease: Lease, callbacks: LeaderCallbacks): void {
    const holder = lease.spec?.holderIdentity || undefined;
    if (holder === this.#leader) return;
    this.#leader = holder;
    if (holder) callbacks.onNewLeader?.(holder);
  }

  /** Writes an expired, holderless record so the next candidate need not wait out the lease. */
  async #release(): Promise<void> {
    if (!this.#lease) return;
    const spec = this.#lease.spec ?? {};
    const now = Date.now();
    try {
      await this.#replace(
        {
          ...this.#lease,
          // leaseDurationSeconds 0 is rejected by validation (kubernetes/client-go#762), so 1.
          spec: { holderIdentity: null, leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: spec.leaseTransitions ?? 0 },
        },
        this.#o.renewDeadlineMs,
      );
      this.#log.info("released the lease");
    } catch (err) {
      this.#log.warn({ err: messageOf(err) }, "could not release the lease; others take over when it expires");
    }
  }

  #path(collection = false): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.#o.namespace)}/leases`;
    return collection ? base : `${base}/${encodeURIComponent(this.#o.name)}`;
  }
}
