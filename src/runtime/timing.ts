/** Opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

/**
 * Time as the runtime sees it. Production code uses `systemClock`; unit tests pass a fake clock so
 * backoff and delays are driven step by step instead of waited for.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // Timers of the runtime never keep a process alive on their own: shutdown is explicit.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms`, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Exponential backoff with jitter for reconnect loops: initial, ×2 per failure, capped at max, each
 * delay drawn from [delay × (1 − jitter), delay]. Jitter keeps many replicas from reconnecting in step.
 */
export class Backoff {
  #failures = 0;
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
    readonly jitter = 0.2,
  ) {}

  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 64);
    return Math.round(delay * (1 - this.jitter * Math.random()));
  }

  reset(): void {
    this.#failures = 0;
  }
}
