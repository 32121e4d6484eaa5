import { randomUUID } from "node:crypto";
import type { Logger } from "../../observability/logger.js";
import { ScimError } from "../scim-error.js";
import type { Claims, ClaimKind } from "./claims.js";
import { isStatus, unavailable, type KubeObject } from "./kube-api.js";
import { GROUPS, USERS, isLive } from "./records.js";
import { MAX_ATTEMPTS, checkVersion, precondition, throwNotFound } from "./states.js";
import type { Tenant } from "./store.js";
import type { ObjectWriter } from "./writer.js";

export type Kind = { kind: "DigiCertUser" | "ScimGroup"; plural: string; claim: ClaimKind };
export const USER_KIND: Kind = { kind: "DigiCertUser", plural: USERS, claim: "user" };
export const GROUP_KIND: Kind = { kind: "ScimGroup", plural: GROUPS, claim: "group" };

/**
 * Objects whose name-like attribute (userName, displayName) is unique per tenant: creates and
 * renames go through a claim (claims.ts), and everything that is not the client's fault surfaces as
 * 503 so the IdP retries.
 */
export class NamedObjects {
  constructor(
    readonly claims: Claims,
    readonly writer: ObjectWriter,
    private readonly logger: Logger,
  ) {}

  /**
   * Create with a uniqueness claim. `stateFor(existing)` returns the status to write: for a new
   * object, for a half-written one (a create that crashed between its writes: completed with this
   * request's attributes), or for a replay of an earlier create; undefined means "taken" (409).
   */
  async create(t: Tenant, kind: Kind, value: string, stateFor: (existing: KubeObject | undefined) => unknown): Promise<{ obj: KubeObject; replayed: boolean }> {
    const ns = t.ref.namespace;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const id = randomUUID();
      if (await this.guard(() => this.claims.create(ns, t.ref.name, kind.claim, value, id), "claiming a name")) {
        const created = await this.guard(() => this.writer.create(kind.kind, kind.plural, ns, id, t.ref.name), `creating a ${kind.kind}`).catch(async (err) => {
          await this.claims.releaseIfHeld(ns, t.ref.name, kind.claim, value, id).catch(() => undefined);
          throw err;
        });
        const obj = await this.guard(() => this.writer.applyScimStatus(kind.kind, kind.plural, ns, id, created.metadata?.resourceVersion ?? "", stateFor(undefined)), "writing status");
        return { obj, replayed: false };
      }
      const claim = await this.guard(() => this.claims.get(ns, t.ref.name, kind.claim, value), "reading a claim");
      if (!claim) continue;
      const holder = await this.guard(() => this.writer.get(kind.plural, ns, claim.id), "reading the claim's holder");
      if (!holder || !isLive(holder) || !holdsValue(holder, value)) {
        await this.guard(() => this.claims.release(ns, claim), "releasing a stale claim");
        continue;
      }
      const halfWritten = !(holder.status as { scim?: unknown } | undefined)?.scim;
      const state = stateFor(halfWritten ? undefined : holder);
      if (state === undefined) throw new ScimError("SCIM_ERR_UNIQUENESS", `${value} is taken by another ${kind.claim} of this tenant`);
      try {
        const obj = await this.writer.applyScimStatus(kind.kind, kind.plural, ns, claim.id, holder.metadata?.resourceVersion ?? "", state);
        return { obj, replayed: !halfWritten };
      } catch (err) {
        // Another replica completed or changed it in between: a concurrent create of the same value.
        if (isStatus(err, 409)) throw new ScimError("SCIM_ERR_UNIQUENESS", `${value} is taken by another ${kind.claim} of this tenant`);
        throw unavailable("writing status", err);
      }
    }
    throw unavailable("claiming a name", new Error("the claim kept changing"));
  }

  /** Claims `value` for an existing object (a rename); 409 if a live object holds it. */
  async claim(t: Tenant, kind: Kind, value: string, id: string): Promise<void> {
    const ns = t.ref.namespace;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await this.guard(() => this.claims.create(ns, t.ref.name, kind.claim, value, id), "claiming a name")) return;
      const claim = await this.guard(() => this.claims.get(ns, t.ref.name, kind.claim, value), "reading a claim");
      if (!claim || claim.id === id) return;
      const holder = await this.guard(() => this.writer.get(kind.plural, ns, claim.id), "reading the claim's holder");
      if (holder && isLive(holder) && holdsValue(holder, value)) {
        throw new ScimError("SCIM_ERR_UNIQUENESS", `${value} is taken by another ${kind.claim} of this tenant`);
      }
      await this.guard(() => this.claims.release(ns, claim), "releasing a stale claim");
    }
    throw unavailable("claiming a name", new Error("the claim kept changing"));
  }

  /**
   * Runs a precondition-checked write; when another writer got there first it runs again on a fresh
   * read, unless the client pinned the version with If-Match (then 412).
   */
  async withRetry<R extends { id: string; version: string }>(
    t: Tenant,
    kind: Kind,
    first: R,
    ifVersion: string | undefined,
    toRecord: (obj: KubeObject) => R | undefined,
    write: (rec: R) => Promise<R>,
  ): Promise<R> {
    let rec = first;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      checkVersion(rec.version, ifVersion);
      try {
        return await write(rec);
      } catch (err) {
        if (err instanceof ScimError) throw err;
        if (!isStatus(err, 409)) throw unavailable(`writing a ${kind.kind}`, err);
        if (ifVersion !== undefined) throw precondition();
        const fresh = await this.guard(() => this.writer.get(kind.plural, t.ref.namespace, rec.id), `reading a ${kind.kind}`);
        rec = (fresh && toRecord(fresh)) ?? throwNotFound(kind.kind === "DigiCertUser" ? "User" : "Group", rec.id);
      }
    }
    throw unavailable(`writing a ${kind.kind}`, new Error("too many concurrent writers"));
  }

  /** Runs a Kubernetes call; failures other than ScimErrors become 503 (logged without request data). */
  async guard<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ScimError) throw err;
      this.logger.warn({ err: { message: (err as Error).message }, what }, "kubernetes request failed");
      throw unavailable(what, err);
    }
  }
}

function holdsValue(holder: KubeObject, value: string): boolean {
  const scim = (holder.status as { scim?: { userName?: string; displayName?: string } } | undefined)?.scim;
  const held = scim?.userName ?? scim?.displayName;
  // A half-written object (no status yet) holds its claim until a retry completes it.
  return held === undefined || held.toLowerCase() === value.toLowerCase();
}
