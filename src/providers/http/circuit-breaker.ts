import type { Clock } from "../../runtime/timing.js";

export interface BreakerSettings {
  /** Consecutive failures (5xx, resets, timeouts) that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe is let through. */
  openMs: number;
}

export type BreakerState = "closed" | "open" | "half-open";

/**
 * Stops hammering a service that is down: after `failureThreshold` consecutive failures every call
 * fails fast for `openMs`, then a single probe decides whether to close again.
 */
export class CircuitBreaker {
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(
    readonly settings: BreakerSettings,
    readonly clock: Clock,
    readonly onChange: (state: BreakerState) => void = () => {},
  ) {}

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether a call may go out now; in half-open only the one probe may. */
  allow(): boolean {
    if (this.#state === "open" && this.clock.now() - this.#openedAt >= this.settings.openMs) this.#set("half-open");
    if (this.#state === "closed") return true;
    if (this.#state === "half-open" && !this.#probing) {
      this.#probing = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#state !== "closed") this.#set("closed");
  }

  failure(): void {
    this.#probing = false;
    this.#failures++;
    if (this.#state === "half-open" || this.#failures >= this.settings.failureThreshold) {
      this.#openedAt = this.clock.now();
      if (this.#state !== "open") this.#set("open");
    }
  }

  /** A call that ended without telling us anything about the service's health (e.g. a 4xx). */
  neutral(): void {
    this.#probing = false;
  }

  #set(state: BreakerState): void {
    this.#state = state;
    this.onChange(state);
  }
}
