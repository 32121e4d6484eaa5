import type { Clock } from "./timing.js";

/** Decides how long an item waits before its next attempt (client-go's workqueue.RateLimiter). */
export interface RateLimiter<K> {
  /** The delay for this attempt; also records the attempt. */
  when(item: K): number;
  /** Clears the item's failure history (call after a success). */
  forget(item: K): void;
  /** Failures recorded for the item since the last forget. */
  retries(item: K): number;
}

/** Per item: base × 2^failures, capped at max (client-go ItemExponentialFailureRateLimiter). */
export class ItemExponentialRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();
  constructor(
    readonly baseMs = 5,
    readonly maxMs = 1_000_000,
  ) {}

  when(item: K): number {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    // 2^failures overflows to Infinity long after the cap; Math.min keeps the cap.
    return Math.min(this.maxMs, this.baseMs * 2 ** failures);
  }

  forget(item: K): void {
    this.#failures.delete(item);
  }

  retries(item: K): number {
    return this.#failures.get(item) ?? 0;
  }
}

/**
 * One bucket shared by every item (client-go BucketRateLimiter over golang.org/x/time/rate): `qps`
 * tokens per second, at most `burst` saved up. Each attempt reserves a token; when none is left the
 * attempt waits until its reserved token has refilled.
 */
export class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  #tokens: number;
  #last: number;
  constructor(
    readonly qps: number,
    readonly burst: number,
    readonly clock: Clock,
  ) {
    this.#tokens = burst;
    this.#last = clock.now();
  }

  when(_item: K): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.qps);
  }

  forget(_item: K): void {}

  retries(_item: K): number {
    return 0;
  }
}

/** The longest delay of several limiters (client-go MaxOfRateLimiter). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: RateLimiter<K>[];
  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(item: K): number {
    // Every limiter must see the attempt (the bucket reserves a token), so no short-circuit.
    return Math.max(...this.#limiters.map((l) => l.when(item)));
  }

  forget(item: K): void {
    for (const limiter of this.#limiters) limiter.forget(item);
  }

  retries(item: K): number {
    return Math.max(...this.#limiters.map((l) => l.retries(item)));
  }
}

/**
 * controller-runtime's default: per-item 5 ms doubling to 1000 s, and overall 10 retries per second
 * with a burst of 100, whichever is slower.
 */
export function defaultControllerRateLimiter<K>(clock: Clock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialRateLimiter<K>(5, 1_000_000), new TokenBucketRateLimiter<K>(10, 100, clock));
}
