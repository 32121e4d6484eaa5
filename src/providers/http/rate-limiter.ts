import { createHash } from "node:crypto";
import { sleep, type Clock } from "../../runtime/timing.js";

/** At most `requests` calls in any rolling `windowMs` (DigiCert counts per API key). */
export interface RateWindow {
  requests: number;
  windowMs: number;
}

/** A granted slot; release it when the request's response (or failure) is in. */
export interface RateTicket {
  /** How long the caller waited for the slot, in ms. */
  waitedMs: number;
  release(): void;
}

/**
 * A client-side rolling-window limiter: a call is granted only when, for every window, fewer than
 * `requests` calls are in flight or finished inside the last `windowMs` (+ margin). A call counts
 * from its grant until it finishes and then stays in the window from the moment it finished. DigiCert
 * counts a request when it arrives, which lies between those two moments, so however the network
 * delays individual requests the server never sees more than the window allows. Waiters are served
 * first come, first served so a burst cannot starve an early caller.
 */
export class RollingWindowLimiter {
  #windows: RateWindow[];
  readonly #clock: Clock;
  readonly #marginMs: number;
  #keep: number;
  readonly #onGrant: ((at: number) => void) | undefined;
  /** Finish times of completed calls, ascending (a finish is always "now", so pushes keep order). */
  #finished: number[] = [];
  #inFlight = 0;
  #released: (() => void) | undefined;
  #pausedUntil = 0;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(windows: RateWindow[], clock: Clock, marginMs = 0, onGrant?: (at: number) => void) {
    this.#windows = strictestWindows(windows, []);
    this.#clock = clock;
    this.#marginMs = marginMs;
    this.#onGrant = onGrant;
    this.#keep = Math.max(0, ...this.#windows.map((w) => w.requests));
  }

  /** The windows in force, after every tighten(). */
  get windows(): readonly RateWindow[] {
    return this.#windows;
  }

  /**
   * Adds another client's windows for the same key. DigiCert counts per key, not per client, so the
   * key must keep to every limit any of its clients was configured with: limits only ever tighten.
   */
  tighten(windows: RateWindow[]): void {
    this.#windows = strictestWindows(this.#windows, windows);
    this.#keep = Math.max(0, ...this.#windows.map((w) => w.requests));
  }

  /** Waits for a slot and holds it until the ticket is released. */
  acquire(): Promise<RateTicket> {
    const start = this.#clock.now();
    const turn = this.#tail.then(() => this.#waitForSlot());
    this.#tail = turn.catch(() => undefined);
    return turn.then(() => {
      let open = true;
      return {
        waitedMs: this.#clock.now() - start,
        release: () => {
          if (!open) return;
          open = false;
          this.#inFlight--;
          if (this.#windows.length > 0) this.#finished.push(this.#clock.now());
          if (this.#finished.length > this.#keep * 2) this.#finished = this.#finished.slice(-this.#keep);
          this.#released?.();
        },
      };
    });
  }

  /** Holds every caller until `untilMs` (DigiCert said 429, so its window is full, whoever filled it). */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  async #waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const { at, blockedByInFlight } = this.#earliest();
      if (blockedByInFlight) {
        await new Promise<void>((resolve) => (this.#released = resolve));
        this.#released = undefined;
        continue;
      }
      if (at <= now) {
        this.#inFlight++;
        this.#onGrant?.(now);
        return;
      }
      await sleep(at - now, undefined, this.#clock);
    }
  }

  #earliest(): { at: number; blockedByInFlight: boolean } {
    let at = this.#pausedUntil;
    const n = this.#finished.length;
    for (const w of this.#windows) {
      // In-flight calls are inside every window; the window is full when the finished call
      // `requests - inFlight` places back is still inside it, and frees up when that one leaves.
      const room = w.requests - this.#inFlight;
      if (room <= 0) return { at, blockedByInFlight: true };
      const oldest = this.#finished[n - room];
      if (oldest !== undefined) at = Math.max(at, oldest + w.windowMs + this.#marginMs);
    }
    return { at, blockedByInFlight: false };
  }
}

/**
 * Both sets of windows at once, minus every window another one already implies: at most r calls per
 * w ms is implied by at most r' <= r per w' >= w ms (each short window lies inside a long one).
 * Honouring the result honours both sets, and it reduces to the stricter set when one is stricter
 * throughout (e.g. 50 per 5 s beats 100 per 5 s). Sorted by window length, so equal inputs agree.
 */
export function strictestWindows(a: readonly RateWindow[], b: readonly RateWindow[]): RateWindow[] {
  const all = [...a, ...b].filter((w) => w.requests > 0 && w.windowMs > 0);
  const implied = (w: RateWindow, i: number) =>
    all.some((o, j) => j !== i && o.requests <= w.requests && o.windowMs >= w.windowMs && (o.requests < w.requests || o.windowMs > w.windowMs || j < i));
  return all
    .filter((w, i) => !implied(w, i))
    .map((w) => ({ requests: w.requests, windowMs: w.windowMs }))
    .sort((x, y) => x.windowMs - y.windowMs);
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
