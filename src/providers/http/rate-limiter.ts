import { createHash } from "node:crypto";
import type { Clock } from "./clock.js";

/** At most `requests` calls in any rolling `windowMs` (DigiCert counts per API key). */
export interface RateWindow {
  requests: number;
  windowMs: number;
}

/**
 * A client-side rolling-window limiter: a call is granted only when, for every window, fewer than
 * `requests` grants fall inside the last `windowMs` (+ margin). Waiters are served first come, first
 * served so a burst cannot starve an early caller. The margin absorbs the gap between the moment we
 * grant and the moment DigiCert counts the request, so our windows never overlap the server's.
 */
export class RollingWindowLimiter {
  readonly #windows: RateWindow[];
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #keep: number;
  #grants: number[] = [];
  #pausedUntil = 0;
  #tail: Promise<unknown> = Promise.resolve();

  readonly #onGrant: ((at: number) => void) | undefined;

  constructor(windows: RateWindow[], clock: Clock, marginMs = 0, onGrant?: (at: number) => void) {
    this.#windows = windows.filter((w) => w.requests > 0 && w.windowMs > 0);
    this.#clock = clock;
    this.#marginMs = marginMs;
    this.#onGrant = onGrant;
    this.#keep = Math.max(0, ...this.#windows.map((w) => w.requests));
  }

  /** Waits for a slot, records it, and resolves with how long the caller waited (ms). */
  acquire(): Promise<number> {
    const start = this.#clock.now();
    const turn = this.#tail.then(() => this.#waitForSlot());
    this.#tail = turn.catch(() => undefined);
    return turn.then(() => this.#clock.now() - start);
  }

  /** Holds every caller until `untilMs` (DigiCert said 429, so its window is full, whoever filled it). */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  /** Grant times still inside the longest window, oldest first (for tests and diagnostics). */
  get grants(): readonly number[] {
    return this.#grants;
  }

  async #waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const at = this.#earliest();
      if (at <= now) {
        this.#grants.push(now);
        this.#onGrant?.(now);
        if (this.#grants.length > this.#keep * 2) this.#grants = this.#grants.slice(-this.#keep);
        return;
      }
      await this.#clock.sleep(at - now);
    }
  }

  #earliest(): number {
    let at = this.#pausedUntil;
    const n = this.#grants.length;
    for (const w of this.#windows) {
      // Grants are appended in time order, so the window is full exactly when the grant `requests`
      // places back is still inside it; the next slot opens when that one leaves.
      const oldest = this.#grants[n - w.requests];
      if (oldest !== undefined) at = Math.max(at, oldest + w.windowMs + this.#marginMs);
    }
    return at;
  }
}

/**
 * One limiter per (service, credential): every client built for the same API key shares it, as
 * DigiCert's windows do. Keys are hashed so the pool never holds a credential in clear.
 */
export class LimiterPool {
  readonly #limiters = new Map<string, RollingWindowLimiter>();
  constructor(
    readonly clock: Clock,
    readonly marginMs = 0,
    /** Sees every grant's time; for audits and tests that check the windows held. */
    readonly onGrant?: (at: number) => void,
  ) {}

  get(service: string, credential: string, windows: RateWindow[]): RollingWindowLimiter {
    const key = `${service}:${credentialId(credential)}:${windows.map((w) => `${w.requests}/${w.windowMs}`).join(",")}`;
    let limiter = this.#limiters.get(key);
    if (!limiter) {
      limiter = new RollingWindowLimiter(windows, this.clock, this.marginMs, this.onGrant);
      this.#limiters.set(key, limiter);
    }
    return limiter;
  }
}

/** A short, non-reversible identifier for a credential, safe for maps (never for labels or logs). */
export const credentialId = (credential: string): string =>
  createHash("sha256").update(credential).digest("hex").slice(0, 16);

/**
 * The earliest time the last of `calls` calls may start under `windows` when all are ready at 0:
 * the greedy schedule (each call as early as every window allows), which no pacing can beat.
 */
export function rateLimitFloorMs(calls: number, windows: RateWindow[]): number {
  const starts: number[] = [];
  for (let i = 0; i < calls; i++) {
    let at = i > 0 ? starts[i - 1]! : 0;
    for (const w of windows) if (i >= w.requests) at = Math.max(at, starts[i - w.requests]! + w.windowMs);
    starts.push(at);
  }
  return starts.at(-1) ?? 0;
}
