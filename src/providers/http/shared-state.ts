import { systemClock, type Clock } from "../../runtime/timing.js";
import { defaultProvidersConfig, type ProvidersConfig } from "../config.js";
import { CircuitBreaker, type BreakerState } from "./circuit-breaker.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { RollingWindowLimiter, credentialId, type RateWindow } from "./rate-limiter.js";

/**
 * What every client of one API key must share, however many clients the controllers build: the
 * key's rolling windows (DigiCert counts per key), the service's circuit breaker, and the key's
 * write locks (clients that edit one remote object in turn, see writeLock). Build one per
 * process in the composition root and pass it in HttpDeps; keys are hashed, never held in clear.
 */
export class SharedHttpState {
  readonly #limiters = new Map<string, RollingWindowLimiter>();
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #locks = new Map<string, KeyedMutex>();

  constructor(
    readonly clock: Clock = systemClock,
    readonly config: ProvidersConfig = defaultProvidersConfig(),
    /** Sees every grant's time; for audits and tests that check the windows held. */
    readonly onGrant?: (at: number) => void,
  ) {}

  /**
   * The limiter of `credential` at `scope` (a service, or a group of services sharing a key). The
   * windows are not part of the key: two tenants configuring one API key differently still share
   * DigiCert's one per-key budget. Rule: the key keeps to the stricter set, every window of every
   * configuration seen (minus implied ones, see strictestWindows); since a client cannot tell when
   * the other tenant's client is gone, a loosened limit takes effect only after a restart.
   */
  limiter(scope: string, credential: string, windows: RateWindow[]): RollingWindowLimiter {
    const key = `${scope}:${credentialId(credential)}`;
    const limiter = this.#limiters.get(key);
    if (limiter) {
      limiter.tighten(windows);
      return limiter;
    }
    const created = new RollingWindowLimiter(windows, this.clock, this.config.rateLimitMarginMs, this.onGrant);
    this.#limiters.set(key, created);
    return created;
  }

  /**
   * The write locks of `credential` at `scope`, keyed by whatever remote object the clients edit
   * (DigiCert ONE: the username, which the four managers share on one key).
   */
  writeLock(scope: string, credential: string): KeyedMutex {
    const key = `${scope}:${credentialId(credential)}`;
    let lock = this.#locks.get(key);
    if (!lock) {
      lock = new KeyedMutex();
      this.#locks.set(key, lock);
    }
    return lock;
  }

  /** The circuit breaker of `service` for `credential`; `onChange` is wired when it is first built. */
  breaker(service: string, credential: string, onChange: (state: BreakerState) => void): CircuitBreaker {
    const key = `${service}:${credentialId(credential)}`;
    let breaker = this.#breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(this.config.breaker, this.clock, onChange);
      this.#breakers.set(key, breaker);
    }
    return breaker;
  }
}
