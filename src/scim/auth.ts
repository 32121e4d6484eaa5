import { createHash, timingSafeEqual } from "node:crypto";
import type { Logger } from "../observability/logger.js";
import type { ScimConfig } from "./config.js";
import type { AuthFailureReason, ScimMetrics } from "./metrics.js";
import { ScimError } from "./scim-error.js";
import type { ScimStore, Tenant, TenantRef } from "./store/store.js";

interface TokenSet {
  digests: Buffer[];
  loadedAt: number;
}

interface Failures {
  windowStart: number;
  count: number;
}

const CHALLENGE = { "www-authenticate": 'Bearer realm="scim"' };
const keyOf = (ref: TenantRef) => `${ref.namespace}/${ref.name}`;
const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

/**
 * Bearer-token authentication per tenant. Tokens come from the Secrets the ScimTenant names (several
 * at once, for rotation) and are held only as SHA-256 digests, compared in constant time against
 * every configured token. Failures are counted per tenant; past the limit a wrong token is answered
 * 429 without reading any Secret, while a right token still passes, so an attacker cannot lock the
 * IdP out. Token values never reach a log line, a metric label or an error message.
 */
export class TenantAuth {
  readonly #tokens = new Map<string, TokenSet>();
  readonly #failures = new Map<string, Failures>();

  constructor(
    private readonly store: ScimStore,
    private readonly config: ScimConfig,
    private readonly metrics: ScimMetrics,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    store.onTenantChange((ref) => this.#tokens.delete(keyOf(ref)));
  }

  /** Resolves when `authorization` carries one of the tenant's tokens; otherwise throws 401 or 429. */
  async authenticate(tenant: Tenant, authorization: string | undefined): Promise<void> {
    const key = keyOf(tenant.ref);
    this.metrics.seeTenant(key);
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) return this.#fail(key, "missing", "a bearer token is required (Authorization: Bearer …)");
    const presented = digest(match[1]!);
    const now = this.clock();
    let set = this.#tokens.get(key);
    if (!set || now - set.loadedAt >= this.config.tokenCacheTtlMs) set = await this.#load(tenant);
    if (matchesAny(set.digests, presented)) return;
    const throttled = this.#throttled(key, now);
    // A token rotated in a moment ago is in the Secret but not yet in the cache: look once more.
    if (!throttled && now - set.loadedAt >= this.config.tokenRefreshMinIntervalMs) {
      set = await this.#load(tenant);
      if (matchesAny(set.digests, presented)) return;
    }
    if (throttled) return this.#fail(key, "throttled", "too many failed authentications for this tenant; retry later", throttled);
    return this.#fail(key, "invalid", "the bearer token is not valid for this tenant");
  }

  /** Unknown tenants are counted apart, so probing tenant names never touches a real tenant's limits. */
  unknownTenant(): never {
    this.metrics.authFailures.inc({ tenant: "unknown", reason: "unknown-tenant" });
    throw new ScimError("SCIM_ERR_NOT_FOUND", "no SCIM tenant is served at this path");
  }

  async #load(tenant: Tenant): Promise<TokenSet> {
    const values = await Promise.all(tenant.tokenSecretRefs.map((ref) => this.store.readSecretKey(tenant.ref.namespace, ref)));
    const digests = values.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => digest(v.trim()));
    if (digests.length === 0) this.logger.warn({ tenant: keyOf(tenant.ref) }, "no usable SCIM token in the tenant's Secrets");
    const set = { digests, loadedAt: this.clock() };
    this.#tokens.set(keyOf(tenant.ref), set);
    return set;
  }

  /** Seconds until the tenant's failure window ends, when it is over the limit; 0 otherwise. */
  #throttled(key: string, now: number): number {
    const f = this.#failures.get(key);
    if (!f || now - f.windowStart >= this.config.authFailures.windowMs) return 0;
    if (f.count < this.config.authFailures.max) return 0;
    return Math.max(1, Math.ceil((f.windowStart + this.config.authFailures.windowMs - now) / 1000));
  }

  #fail(key: string, reason: AuthFailureReason, message: string, retryAfter = 0): never {
    const now = this.clock();
    const f = this.#failures.get(key);
    if (!f || now - f.windowStart >= this.config.authFailures.windowMs) this.#failures.set(key, { windowStart: now, count: 1 });
    else f.count++;
    this.metrics.authFailures.inc({ tenant: key, reason });
    if (reason === "throttled") {
      throw new ScimError("SCIM_ERR_THROTTLED", message, { headers: { "retry-after": String(retryAfter) } });
    }
    throw new ScimError("SCIM_ERR_UNAUTHORIZED", message, { headers: CHALLENGE });
  }
}

/** Compares against every digest without stopping early, so timing says nothing about which matched. */
function matchesAny(digests: Buffer[], presented: Buffer): boolean {
  let ok = false;
  for (const d of digests) ok = timingSafeEqual(d, presented) || ok;
  return ok;
}
