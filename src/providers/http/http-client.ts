import type { Registry } from "prom-client";
import { silentLogger, type Logger } from "../../observability/logger.js";
import { Backoff, sleep, systemClock, type Clock } from "../../runtime/timing.js";
import { messageOf } from "../../errors.js";
import { defaultProvidersConfig, type ProvidersConfig } from "../config.js";
import { PROVIDER_ERRORS, ProviderError, type ProviderErrorCode } from "../provider.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { httpMetrics, initServiceMetrics, type HttpMetrics, type RetryReason } from "./metrics.js";
import type { RateWindow, RollingWindowLimiter } from "./rate-limiter.js";
import { invalidHeaderCharacter, refusedBeforeSending, withheldError } from "./header-safety.js";
import { SharedHttpState } from "./shared-state.js";
import { parseRetryAfter } from "./retry.js";

/** Process-wide collaborators, built once by the composition root and shared by every client. */
export interface HttpDeps {
  config?: ProvidersConfig;
  fetch?: typeof fetch;
  registry?: Registry;
  logger?: Logger;
  clock?: Clock;
  /**
   * Per-key windows and breakers shared by every client of the process. Without it each client gets
   * its own, which is only right for a single client (tests): the composition root must pass one.
   */
  shared?: SharedHttpState;
}

/** How a backend speaks HTTP: where, how it authenticates, and how its errors read. */
export interface ServiceHttpOptions {
  service: string;
  /** Services that share one API key's windows share this (DigiCert ONE's four managers); defaults to service. */
  limiterKey?: string;
  baseUrl: string;
  credential: string;
  windows: RateWindow[];
  /**
   * Headers that authenticate a request; called per attempt so tokens can be refreshed. Called
   * before the attempt takes a limiter slot, so it may make requests of its own on the same key.
   */
  auth: () => Promise<Record<string, string>> | Record<string, string>;
  /** Reads the service's error body dialect into a code and a message. */
  parseError: (body: unknown) => { code?: string; message?: string };
  /** Route templates this backend calls, to initialise metric series. */
  endpoints?: readonly string[];
}

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /** Route template for metrics, e.g. "GET /user/{id}". */
  endpoint: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /**
   * Whether repeating the request is harmless. Non-idempotent requests (creates) are retried only
   * on 429, which DigiCert sends before doing anything; any other failure surfaces as UNAVAILABLE
   * with `uncertain` set so the backend can look up what happened instead of creating twice.
   */
  idempotent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A failure after which a non-idempotent request may or may not have taken effect. */
export class UncertainOutcomeError extends ProviderError {}

type Attempt =
  | { kind: "response"; response: HttpResponse }
  | { kind: "failure"; reason: RetryReason; error: unknown }
  /** fetch refused to build the request (bad header or URL): the same on every attempt. */
  | { kind: "unsendable"; error: Error };

/**
 * The one HTTP client every DigiCert backend uses: client-side rolling-window limiting per API
 * key, a per-attempt timeout, jittered exponential retry on 429/5xx/network errors only,
 * Retry-After honoured, a circuit breaker, and metrics. Connections are kept alive by fetch's
 * pooled dispatcher. Credentials go into headers only and are never logged.
 */
export class DigiCertHttp {
  readonly #o: ServiceHttpOptions;
  readonly #config: ProvidersConfig;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: HttpMetrics | undefined;
  readonly limiter: RollingWindowLimiter;
  readonly breaker: CircuitBreaker;

  constructor(options: ServiceHttpOptions, deps: HttpDeps = {}) {
    this.#o = options;
    this.#config = deps.config ?? defaultProvidersConfig();
    this.#fetch = deps.fetch ?? globalThis.fetch;
    this.#clock = deps.clock ?? systemClock;
    this.#logger = (deps.logger ?? silentLogger()).child({ service: options.service });
    this.#metrics = deps.registry ? httpMetrics(deps.registry) : undefined;
    if (this.#metrics) initServiceMetrics(this.#metrics, options.service, options.endpoints ?? []);
    const shared = deps.shared ?? new SharedHttpState(this.#clock, this.#config);
    this.limiter = shared.limiter(options.limiterKey ?? options.service, options.credential, options.windows);
    const gauge = this.#metrics?.breakerOpen;
    this.breaker = shared.breaker(options.service, options.credential, (state) => gauge?.set({ service: options.service }, state === "closed" ? 0 : 1));
  }

  /** Sends the request, retrying what may be retried; resolves with a 2xx response or throws ProviderError. */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    const service = this.#o.service;
    const idempotent = spec.idempotent ?? spec.method !== "POST";
    // Half of each step is random, so many workers retrying together spread out.
    const backoff = new Backoff(this.#config.baseDelayMs, this.#config.maxDelayMs, 0.5);
    for (let attempt = 0; ; attempt++) {
      // Headers first, holding nothing: auth() may itself call DigiCert through this key's limiter
      // and breaker (DNS logs in for a token), and must not wait for a slot this call already holds.
      const auth = this.#checked(await this.#o.auth());
      if (!this.breaker.allow()) {
        this.#count(spec, "circuit_open");
        throw new ProviderError(service, PROVIDER_ERRORS.UNAVAILABLE, `circuit open after repeated failures; not calling ${spec.endpoint}`);
      }
      const ticket = await this.limiter.acquire();
      this.#metrics?.rateLimitWait.observe({ service }, ticket.waitedMs / 1000);
      const result = await this.#attempt(spec, auth).finally(ticket.release);
      const last = attempt + 1 >= this.#config.maxAttempts;

      if (result.kind === "unsendable") {
        this.breaker.neutral();
        throw new ProviderError(service, PROVIDER_ERRORS.INVALID_REQUEST, `${spec.endpoint} could not be sent: fetch refused to build the request (${result.error.message})`, { cause: result.error });
      }

      if (result.kind === "response") {
        const { response } = result;
        if (response.status < 400) {
          this.breaker.success();
          return response;
        }
        if (response.status === 429) {
          this.breaker.neutral();
          const delay = this.#retryDelay(response, backoff);
          if (last || delay > this.#config.maxRetryAfterMs) throw this.#error(spec, response);
          // The server's window is full no matter who filled it: hold every caller of this key.
          this.limiter.pauseUntil(this.#clock.now() + delay);
          this.#retrying(spec, "rate_limited", attempt, delay);
          continue;
        }
        if (response.status < 500) {
          this.breaker.neutral();
          throw this.#error(spec, response);
        }
        this.breaker.failure();
        if (!idempotent) throw this.#error(spec, response, true);
        const delay = this.#retryDelay(response, backoff);
        if (last || delay > this.#config.maxRetryAfterMs) throw this.#error(spec, response);
        this.#retrying(spec, "server_error", attempt, delay);
        await sleep(delay, undefined, this.#clock);
        continue;
      }

      this.breaker.failure();
      const message = `${spec.endpoint} failed: ${result.reason === "timeout" ? `no answer within ${this.#config.timeoutMs} ms` : networkMessage(result.error)}`;
      if (!idempotent) throw new UncertainOutcomeError(service, PROVIDER_ERRORS.UNAVAILABLE, message, { cause: result.error });
      if (last) throw new ProviderError(service, PROVIDER_ERRORS.UNAVAILABLE, `${message} (after ${attempt + 1} attempts)`, { cause: result.error });
      const delay = backoff.next();
      this.#retrying(spec, result.reason, attempt, delay);
      await sleep(delay, undefined, this.#clock);
    }
  }

  async #attempt(spec: RequestSpec, auth: Record<string, string>): Promise<Attempt> {
    const url = new URL(this.#o.baseUrl.replace(/\/+$/, "") + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: "application/json", ...auth };
    if (spec.body !== undefined) headers["content-type"] = "application/json";
    const started = performance.now();
    const service = this.#o.service;
    try {
      const res = await this.#fetch(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(this.#config.timeoutMs),
      });
      const text = await res.text();
      this.#metrics?.duration.observe({ service, endpoint: spec.endpoint }, (performance.now() - started) / 1000);
      this.#count(spec, String(res.status));
      return { kind: "response", response: { status: res.status, headers: res.headers, body: parseBody(text) } };
    } catch (error) {
      // Never keep fetch's own words here: they can quote a header value, and so a credential.
      if (refusedBeforeSending(error)) {
        this.#count(spec, "unsendable");
        return { kind: "unsendable", error: withheldError(error) };
      }
      const timeout = error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
      this.#count(spec, timeout ? "timeout" : "network");
      return { kind: "failure", reason: timeout ? "timeout" : "network", error };
    }
  }

  /**
   * Refuses auth headers fetch could not send. A Secret with an embedded line break or NUL is a
   * broken credential, not a network problem: say so once, naming the header but never the value.
   */
  #checked(headers: Record<string, string>): Record<string, string> {
    for (const [name, value] of Object.entries(headers)) {
      const bad = invalidHeaderCharacter(value);
      if (bad) {
        throw new ProviderError(
          this.#o.service,
          PROVIDER_ERRORS.AUTH_FAILED,
          `the credential sent in the ${name} header contains ${bad}, which an HTTP header cannot carry; check the Secret's value (nothing was sent)`,
        );
      }
    }
    return headers;
  }

  #retryDelay(response: HttpResponse, backoff: Backoff): number {
    return parseRetryAfter(response.headers.get("retry-after"), this.#clock.now()) ?? backoff.next();
  }

  #retrying(spec: RequestSpec, reason: RetryReason, attempt: number, delayMs: number): void {
    this.#metrics?.retries.inc({ service: this.#o.service, reason });
    this.#logger.debug({ endpoint: spec.endpoint, reason, attempt: attempt + 1, delayMs }, "retrying DigiCert request");
  }

  #count(spec: RequestSpec, status: string): void {
    this.#metrics?.requests.inc({ service: this.#o.service, endpoint: spec.endpoint, status });
  }

  #error(spec: RequestSpec, response: HttpResponse, uncertain = false): ProviderError {
    const { code: remoteCode, message } = this.#o.parseError(response.body);
    const code = classifyStatus(response.status);
    const text = `${spec.endpoint} returned ${response.status}${remoteCode ? ` ${remoteCode}` : ""}${message ? `: ${message}` : ""}`;
    const Err = uncertain ? UncertainOutcomeError : ProviderError;
    return new Err(this.#o.service, code, text, { status: response.status, remoteCode, cause: response.body });
  }
}

export const isUncertain = (err: unknown): boolean => err instanceof UncertainOutcomeError;

function classifyStatus(status: number): ProviderErrorCode {
  if (status === 401 || status === 403) return PROVIDER_ERRORS.AUTH_FAILED;
  if (status === 404) return PROVIDER_ERRORS.NOT_FOUND;
  if (status === 409) return PROVIDER_ERRORS.CONFLICT;
  if (status === 429) return PROVIDER_ERRORS.RATE_LIMITED;
  if (status >= 500) return PROVIDER_ERRORS.UNAVAILABLE;
  return PROVIDER_ERRORS.INVALID_REQUEST;
}

/** fetch says only "fetch failed"; the cause says what happened (ECONNRESET, ECONNREFUSED, …). */
function networkMessage(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${messageOf(err)} (${detail})` : messageOf(err);
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
