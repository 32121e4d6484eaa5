import { isUncertain } from "./http/http-client.js";
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

/** Memoises an async lookup (role catalogs, containers) per client, retrying after a failure. */
export function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((err: unknown) => {
      value = undefined;
      throw err;
    });
    return value;
  };
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
