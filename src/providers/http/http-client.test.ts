import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BACKENDS, busiest, clientFor, identity, pool, testHttpConfig } from "../../../test/helpers/providers.js";
import { RecordingClock } from "../../../test/helpers/virtual-clock.js";
import { createLogger } from "../../observability/logger.js";
import { createRegistry } from "../../observability/metrics.js";
import { startSimulator, type RunningSimulator } from "../../simulator/index.js";
import { PROVIDER_ERRORS, isProviderError } from "../provider.js";
import { parseDigiCertError } from "./error-dialects.js";
import { DigiCertHttp, isUncertain, type HttpDeps } from "./http-client.js";
import { systemClock } from "../../runtime/timing.js";
import { SharedHttpState } from "./shared-state.js";

const clock = new RecordingClock(1_700_000_000_000);
let s: RunningSimulator;
beforeAll(async () => {
  // The simulator shares the test's clock so an HTTP-date Retry-After is exact to the millisecond.
  s = await startSimulator({ now: () => clock.now(), certcentral: { rateLimits: [] } });
});
afterAll(() => s.close());
beforeEach(() => {
  s.sim.reset();
  clock.sleeps.length = 0;
});

const KEY = "sim-certcentral-key";
function http(deps: HttpDeps = {}, over: Partial<ConstructorParameters<typeof DigiCertHttp>[0]> = {}) {
  return new DigiCertHttp(
    { service: "certcentral", baseUrl: s.urls.certcentral, credential: KEY, windows: [], auth: () => ({ "X-DC-DEVKEY": KEY }), parseError: parseDigiCertError, ...over },
    { config: testHttpConfig(), ...deps },
  );
}
const get = (h: DigiCertHttp, path = "/account") => h.request({ method: "GET", path, endpoint: `GET ${path}` });
const calls = () => s.sim.calls.counts().total;
const one = BACKENDS.find((b) => b.service === "trust-lifecycle")!;

describe("Retry-After", () => {
  it.each([
    ["delta-seconds on 429", { kind: "rate-limit", retryAfter: "3" }, 3_000],
    ["HTTP-date on 429", { kind: "rate-limit", retryAfter: "date:+4" }, 4_000],
    ["delta-seconds on 503", { kind: "outage", retryAfter: "2" }, 2_000],
  ] as const)("is honoured to the second: %s", async (_name, fault, wait) => {
    s.sim.faults.add({ plane: "digicert-one", count: 1, ...fault });
    await clientFor(s, one, { clock }).validateCredentials();
    expect(clock.sleeps).toEqual([wait]);
    expect(s.sim.calls.counts({ plane: "digicert-one" }).total).toBe(2);
  });

  it("gives up when Retry-After is longer than the configured maximum", async () => {
    s.sim.faults.add({ plane: "digicert-one", kind: "rate-limit", retryAfter: "600", count: 1 });
    const err = await clientFor(s, one, { clock, config: testHttpConfig({ maxRetryAfterMs: 60_000 }) }).validateCredentials().catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.RATE_LIMITED)).toBe(true);
    expect(clock.sleeps).toEqual([]);
  });
});

describe("retries", () => {
  it("retries 5xx, resets and timeouts on reads, and counts them", async () => {
    const registry = createRegistry({ defaultMetrics: false });
    s.sim.faults.add({ plane: "certcentral", kind: "error", status: 502, count: 1 });
    s.sim.faults.add({ plane: "certcentral", kind: "reset", count: 1 });
    s.sim.faults.add({ plane: "certcentral", kind: "timeout", count: 1 });
    await get(http({ registry, config: testHttpConfig({ timeoutMs: 200 }) }));
    expect(calls()).toBe(4);
    const text = await registry.metrics();
    expect(text).toMatch(/digicert_http_retries_total\{service="certcentral",reason="server_error"\} 1/);
    expect(text).toMatch(/digicert_http_retries_total\{service="certcentral",reason="network"\} 1/);
    expect(text).toMatch(/digicert_http_retries_total\{service="certcentral",reason="timeout"\} 1/);
    expect(text).toMatch(/digicert_http_requests_total\{service="certcentral",endpoint="GET \/account",status="502"\} 1/);
  });

  it("says what went wrong when every attempt is cut", async () => {
    s.sim.faults.add({ plane: "certcentral", kind: "reset" });
    const err = await get(http({ config: testHttpConfig({ maxAttempts: 2 }) })).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.UNAVAILABLE)).toBe(true);
    expect((err as Error).message).toMatch(/GET \/account failed: fetch failed \(.+\) \(after 2 attempts\)/);
    expect(calls()).toBe(2);
  });

  it.each([404, 400, 403])("never retries a %i", async (status) => {
    const h = status === 403 ? http({}, { auth: () => ({ "X-DC-DEVKEY": "wrong" }) }) : http();
    const path = status === 404 ? "/user/99999" : "/user";
    const err = await h
      .request({ method: status === 400 ? "POST" : "GET", path, endpoint: "x", ...(status === 400 ? { body: { username: "bad name" } } : {}) })
      .catch((e: unknown) => e);
    expect(isProviderError(err)).toBe(true);
    expect((err as { status: number }).status).toBe(status);
    expect(calls()).toBe(1);
  });

  it("does not repeat a create that may have happened; it reports the outcome as uncertain", async () => {
    s.sim.faults.add({ plane: "certcentral", kind: "error", status: 500, count: 1 });
    const err = await http()
      .request({ method: "POST", path: "/user", endpoint: "POST /user", body: {} })
      .catch((e: unknown) => e);
    expect(isUncertain(err)).toBe(true);
    expect(calls()).toBe(1);
  });

  it("reconciles a create whose answer was lost by looking up, never creating twice", async () => {
    s.sim.faults.add({ plane: "certcentral", kind: "timeout", afterCommit: true, method: "POST", count: 1 });
    const cc = BACKENDS[0]!;
    const result = await clientFor(s, cc, { config: testHttpConfig({ timeoutMs: 200 }) }).ensureUser(identity(1), { roles: cc.roles });
    expect(result.outcome).toBe("unchanged");
    const byRoute = s.sim.calls.counts().byRoute;
    expect(byRoute["POST /services/v2/user"]).toBe(1);
    expect((s.sim.certcentral.state() as { users: unknown[] }).users).toHaveLength(2);
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive failures and stops every client of that key from calling", async () => {
    s.sim.faults.add({ plane: "certcentral", kind: "outage" });
    const config = testHttpConfig({ maxAttempts: 1, breaker: { failureThreshold: 3, openMs: 60_000 } });
    const shared = new SharedHttpState(systemClock, config);
    const first = http({ config, shared });
    for (let i = 0; i < 3; i++) await expect(get(first)).rejects.toThrow(/503/);
    await expect(get(http({ config, shared }))).rejects.toThrow(/circuit open/);
    expect(calls()).toBe(3);
    expect(first.breaker.state).toBe("open");
  });
});

describe("rate limiting", () => {
  it("rides out a 429 storm without exceeding the client-side windows", async () => {
    const windows = [
      { requests: 20, windowMs: 200 },
      { requests: 100, windowMs: 1_000 },
    ];
    const cc = BACKENDS[0]!;
    // The storm is the only source of 429s here: whether DigiCert's own windows would trip depends on
    // network timing (the benchmark measures that); what this asserts is what the client sent.
    const local = await startSimulator({ certcentral: { rateLimits: [] } });
    try {
      local.sim.faults.add({ plane: "certcentral", kind: "rate-limit", durationMs: 300 });
      const sent: number[] = [];
      const config = testHttpConfig({ maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 200, rateLimitMarginMs: 10 });
      const shared = new SharedHttpState(systemClock, config, (at) => sent.push(at));
      const client = clientFor(local, cc, { shared, config }, { rateLimits: windows });
      const results = await pool(Array.from({ length: 80 }, (_, i) => identity(i)), 16, (who) => client.ensureUser(who, { roles: cc.roles }));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const all = local.sim.calls.calls({ plane: "certcentral" });
      expect(all.filter((c) => c.status === 429 && c.fault).length).toBeGreaterThan(0);
      expect(all.filter((c) => c.route === cc.createRoute && c.status === 201)).toHaveLength(80);
      // Every attempt, retries into the storm included, went out inside the client-side windows.
      expect(sent.length).toBe(all.length);
      expect(busiest(sent, 200)).toBeLessThanOrEqual(20);
      expect(busiest(sent, 1_000)).toBeLessThanOrEqual(100);
    } finally {
      await local.close();
    }
  });

  it("reuses kept-alive connections", async () => {
    const h = http();
    const before = s.sim.connections();
    for (let i = 0; i < 20; i++) await get(h);
    expect(s.sim.connections() - before).toBeLessThanOrEqual(2);
  });
});

describe("secrets", () => {
  it("never writes the credential to logs, metrics or errors", async () => {
    const secret = "sim-certcentral-key";
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const registry = createRegistry({ defaultMetrics: false });
    s.sim.faults.add({ plane: "certcentral", kind: "error", status: 500, count: 2 });
    const deps = { logger: createLogger({ level: "trace", destination }), registry };
    await get(http(deps));
    const err = await get(http(deps, { auth: () => ({ "X-DC-DEVKEY": `${secret}-wrong` }) })).catch((e: unknown) => e);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("")).not.toContain(secret);
    expect(await registry.metrics()).not.toContain(secret);
    expect(JSON.stringify(err) + String(err) + JSON.stringify((err as Error).cause)).not.toContain(secret);
  });

  const chain = (err: unknown): string => {
    const parts: string[] = [];
    for (let e = err; e !== undefined; e = (e as { cause?: unknown }).cause) parts.push(String(e), JSON.stringify(e) ?? "");
    return parts.join(" ");
  };

  it.each([
    ["a NUL", "\u0000"],
    ["a DEL", "\u007f"],
    ["a non-Latin-1 character", "\u20ac"],
  ])("refuses a credential with %s before fetch sees it", async (_name, bad) => {
    let fetches = 0;
    const counting: typeof fetch = (...args) => (fetches++, fetch(...args));
    const err = await get(http({ fetch: counting }, { auth: () => ({ "X-DC-DEVKEY": `${KEY}${bad}x` }) })).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED)).toBe(true);
    expect((err as Error).message).toMatch(/X-DC-DEVKEY header contains/);
    expect(chain(err)).not.toContain(KEY);
    expect(fetches).toBe(0);
  });

  it.each([
    ["Headers validation", () => new TypeError(`Headers.append: "${KEY}\nx" is an invalid header value.`)],
    ["the dispatcher", () => new TypeError("fetch failed", { cause: Object.assign(new Error(`invalid header ${KEY}`), { code: "UND_ERR_INVALID_ARG" }) })],
  ])("never retries or quotes a request refused by %s before sending", async (_name, refusal) => {
    let fetches = 0;
    const refusing: typeof fetch = async () => {
      fetches++;
      throw refusal();
    };
    const err = await get(http({ fetch: refusing })).catch((e: unknown) => e);
    expect(isProviderError(err, PROVIDER_ERRORS.INVALID_REQUEST)).toBe(true);
    expect((err as Error).message).toMatch(/GET \/account could not be sent/);
    expect(chain(err)).not.toContain(KEY);
    expect(fetches).toBe(1);
  });
});
