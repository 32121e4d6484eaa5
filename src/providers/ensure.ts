import { systemClock, type Clock } from "../runtime/timing.js";
import { defaultProvidersConfig } from "./config.js";
import { isUncertain, type HttpDeps } from "./http/http-client.js";
import { PROVIDER_ERRORS, ProviderError, type EnsureResult, isProviderError } from "./provider.js";

export interface EnsureSteps<T> {
  service: string;
  /** Reads the user; undefined when absent. */
  lookup(): Promise<T | undefined>;
  create(): Promise<EnsureResult>;
  update(existing: T): Promise<EnsureResult>;
  /** Whether a refused create might mean the user exists after all (duplicate, or a dialect we cannot read). */
  mayBeDuplicate(err: unknown): boolean;
  rounds?: number;
}

/**
 * Look up before create, and reconcile every doubtful create by looking up again (DESIGN invariant
 * 6). A create that timed out may have happened: the next lookup finds it and we update instead of
 * creating twice. A create refused as a possible duplicate is rethrown only if the user is still
 * absent afterwards, so a real validation error surfaces after one extra read, not a loop.
 */
export async function ensureWithLookup<T>(steps: EnsureSteps<T>): Promise<EnsureResult> {
  const rounds = steps.rounds ?? 5;
  let refused: unknown;
  for (let round = 0; round < rounds; round++) {
    const existing = await steps.lookup();
    if (existing !== undefined) return steps.update(existing);
    if (refused !== undefined && !isUncertain(refused)) throw refused;
    try {
      return await steps.create();
    } catch (err) {
      if (!isUncertain(err) && !steps.mayBeDuplicate(err)) throw err;
      refused = err;
    }
  }
  throw new ProviderError(steps.service, PROVIDER_ERRORS.UNAVAILABLE, `could not confirm the user exists after ${rounds} attempts`, {
    cause: refused,
  });
}

/** True when two role or division lists hold the same names, ignoring order and case. */
export const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort().join("\u0000");
  return norm(a) === norm(b);
};

/** How long catalogs are reused, and how often a miss may read one again (ProvidersConfig.catalog). */
export interface CatalogCacheSettings {
  clock: Clock;
  ttlMs: number;
  missReloadIntervalMs: number;
}

export function catalogCacheSettings(deps: HttpDeps): CatalogCacheSettings {
  const { catalog } = deps.config ?? defaultProvidersConfig();
  return { clock: deps.clock ?? systemClock, ...catalog };
}

/**
 * A catalog read from DigiCert (roles, user groups, divisions), reused per client for `ttlMs` and
 * read again after a failure. Admins add roles and divisions while the operator runs, so a name the
 * cached copy lacks triggers one fresh read before it is reported unknown; reads for misses are
 * spaced `missReloadIntervalMs` apart, so a typo in one mapping cannot cost a catalog read per user.
 */
export class CachedCatalog<T> {
  #value: Promise<T> | undefined;
  #loadedAt = 0;

  constructor(
    readonly load: () => Promise<T>,
    readonly settings: CatalogCacheSettings,
  ) {}

  get(): Promise<T> {
    if (this.#value === undefined || this.#age() >= this.settings.ttlMs) return this.#reload();
    return this.#value;
  }

  /**
   * `resolve(catalog)`, which throws INVALID_REQUEST for a name the catalog lacks; on that error the
   * catalog is read again once (unless read within the interval) and `resolve` gets a second try.
   */
  async resolve<R>(resolve: (catalog: T) => R): Promise<R> {
    const seen = this.get();
    const catalog = await seen;
    try {
      return resolve(catalog);
    } catch (err) {
      if (!isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST)) throw err;
      const fresher = this.#fresherThan(seen);
      if (fresher === undefined) throw err;
      return resolve(await fresher);
    }
  }

  #fresherThan(seen: Promise<T>): Promise<T> | undefined {
    // Another caller's miss already read it again since: that copy is as fresh as one of our own.
    if (this.#value !== undefined && this.#value !== seen) return this.#value;
    if (this.#age() < this.settings.missReloadIntervalMs) return undefined;
    return this.#reload();
  }

  #age(): number {
    return this.settings.clock.now() - this.#loadedAt;
  }

  #reload(): Promise<T> {
    this.#loadedAt = this.settings.clock.now();
    const value: Promise<T> = this.load().catch((err: unknown) => {
      if (this.#value === value) this.#value = undefined;
      throw err;
    });
    this.#value = value;
    return value;
  }
}

/** Runs a delete; a 404 means someone (or an earlier, unanswered attempt) already removed it. */
export async function deleteIdempotently(remove: () => Promise<unknown>): Promise<"deleted" | "absent"> {
  try {
    await remove();
    return "deleted";
  } catch (err) {
    if (isProviderError(err, PROVIDER_ERRORS.NOT_FOUND)) return "absent";
    throw err;
  }
}
