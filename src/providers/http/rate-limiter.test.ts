import { describe, expect, it } from "vitest";
import { busiest } from "../../../test/helpers/providers.js";
import { FakeClock } from "../../../test/helpers/fake-clock.js";
import { runClock } from "../../../test/helpers/virtual-clock.js";
import { sleep } from "../../runtime/timing.js";
import { ProvidersConfigSchema } from "../config.js";
import { RollingWindowLimiter, rateLimitFloorMs, strictestWindows, type RateWindow } from "./rate-limiter.js";
import { SharedHttpState } from "./shared-state.js";

const CERTCENTRAL: RateWindow[] = [
  { requests: 100, windowMs: 5_000 },
  { requests: 1000, windowMs: 180_000 },
];

describe("RollingWindowLimiter", () => {
  it("keeps CertCentral traffic inside both windows under 10x oversubscription", async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(CERTCENTRAL, clock);
    const start = clock.now();
    // 10x the long-run allowance: 10,000 callers arriving evenly over 3 minutes.
    const callers = 10_000;
    const grants: number[] = [];
    const all = Promise.all(
      Array.from({ length: callers }, async (_, i) => {
        await sleep(Math.floor((i * 180_000) / callers), undefined, clock);
        (await limiter.acquire()).release();
        grants.push(clock.now());
      }),
    );
    await runClock(clock, all);
    grants.sort((a, b) => a - b);
    expect(grants).toHaveLength(callers);
    expect(busiest(grants, 5_000)).toBeLessThanOrEqual(100);
    expect(busiest(grants, 180_000)).toBeLessThanOrEqual(1000);
    // Every window is used to the full: the long window never holds fewer than 1000 once saturated.
    expect(busiest(grants, 180_000)).toBe(1000);
    expect(grants.at(-1)! - start).toBeGreaterThanOrEqual(rateLimitFloorMs(callers, CERTCENTRAL));
  });

  it("wastes no capacity: a backlog drains exactly on the rate-limit floor", async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter(CERTCENTRAL, clock);
    const start = clock.now();
    const grants: number[] = [];
    await runClock(clock, Promise.all(Array.from({ length: 4_000 }, () => limiter.acquire().then((t) => (t.release(), grants.push(clock.now()))))));
    expect(grants.at(-1)! - start).toBe(rateLimitFloorMs(4_000, CERTCENTRAL));
    expect(busiest(grants, 5_000)).toBe(100);
  });

  it("serves waiters first come, first served", async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter([{ requests: 2, windowMs: 1_000 }], clock);
    const order: number[] = [];
    await runClock(clock, Promise.all([0, 1, 2, 3, 4].map((i) => limiter.acquire().then((t) => (t.release(), order.push(i))))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("holds every caller after pauseUntil, then resumes", async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter([], clock);
    limiter.pauseUntil(clock.now() + 7_000);
    expect((await runClock(clock, limiter.acquire())).waitedMs).toBe(7_000);
    expect((await runClock(clock, limiter.acquire())).waitedMs).toBe(0);
  });

  it("adds the safety margin to every window", async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter([{ requests: 1, windowMs: 1_000 }], clock, 250);
    (await runClock(clock, limiter.acquire())).release();
    expect((await runClock(clock, limiter.acquire())).waitedMs).toBe(1_250);
  });

  it("counts a call from its grant until it finishes, so slow answers cannot squeeze the window", async () => {
    const clock = new FakeClock();
    const limiter = new RollingWindowLimiter([{ requests: 2, windowMs: 1_000 }], clock);
    const start = clock.now();
    const first = await runClock(clock, limiter.acquire());
    const second = await runClock(clock, limiter.acquire());
    let third: number | undefined;
    const pending = limiter.acquire().then((t) => (third = clock.now()));
    await runClock(clock, sleep(5_000, undefined, clock)); // both calls still in flight after 5 s: no slot yet
    expect(third).toBeUndefined();
    first.release();
    await runClock(clock, pending);
    // The first call finished at +5 s; its slot frees one window later.
    expect(third).toBe(start + 5_000 + 1_000);
    second.release();
  });

  it("is shared per service and credential, as is the circuit breaker", () => {
    const shared = new SharedHttpState(new FakeClock());
    const a = shared.limiter("certcentral", "key-1", CERTCENTRAL);
    expect(shared.limiter("certcentral", "key-1", CERTCENTRAL)).toBe(a);
    expect(shared.limiter("certcentral", "key-2", CERTCENTRAL)).not.toBe(a);
    expect(shared.limiter("dns", "key-1", CERTCENTRAL)).not.toBe(a);
    const b = shared.breaker("certcentral", "key-1", () => {});
    expect(shared.breaker("certcentral", "key-1", () => {})).toBe(b);
    expect(shared.breaker("certcentral", "key-2", () => {})).not.toBe(b);
  });

  it("holds one key to the stricter windows when its clients are configured differently", async () => {
    const clock = new FakeClock();
    const shared = new SharedHttpState(clock, ProvidersConfigSchema.parse({ rateLimitMarginMs: 0 }));
    const loose = shared.limiter("certcentral", "key-1", [{ requests: 4, windowMs: 1_000 }]);
    const strict = shared.limiter("certcentral", "key-1", [
      { requests: 2, windowMs: 1_000 },
      { requests: 3, windowMs: 10_000 },
    ]);
    expect(strict).toBe(loose);
    // A later, looser configuration of the same key does not loosen it.
    expect(shared.limiter("certcentral", "key-1", [{ requests: 100, windowMs: 1_000 }])).toBe(loose);
    const start = clock.now();
    const grants: number[] = [];
    await runClock(clock, Promise.all(Array.from({ length: 4 }, () => loose.acquire().then((t) => (t.release(), grants.push(clock.now() - start))))));
    expect(grants).toEqual([0, 0, 1_000, 10_000]);
    expect(shared.limiter("certcentral", "key-2", [{ requests: 100, windowMs: 1_000 }]).windows).toEqual([{ requests: 100, windowMs: 1_000 }]);
  });

  it("keeps every window of two sets except those another one implies", () => {
    expect(strictestWindows([{ requests: 100, windowMs: 5_000 }], [{ requests: 50, windowMs: 5_000 }])).toEqual([{ requests: 50, windowMs: 5_000 }]);
    expect(strictestWindows(CERTCENTRAL, [])).toEqual(CERTCENTRAL);
    expect(strictestWindows(CERTCENTRAL, [{ requests: 150, windowMs: 10_000 }])).toEqual([CERTCENTRAL[0], { requests: 150, windowMs: 10_000 }, CERTCENTRAL[1]]);
    // At most 60 per 10 s already means at most 60 (< 100) per 5 s.
    expect(strictestWindows(CERTCENTRAL, [{ requests: 60, windowMs: 10_000 }])).toEqual([{ requests: 60, windowMs: 10_000 }, CERTCENTRAL[1]]);
    expect(strictestWindows(CERTCENTRAL, CERTCENTRAL)).toEqual(CERTCENTRAL);
  });

  it("computes the floor from the binding window", () => {
    expect(rateLimitFloorMs(1, CERTCENTRAL)).toBe(0);
    expect(rateLimitFloorMs(100, CERTCENTRAL)).toBe(0);
    expect(rateLimitFloorMs(101, CERTCENTRAL)).toBe(5_000);
    expect(rateLimitFloorMs(1_000, CERTCENTRAL)).toBe(45_000);
    // Each block of 1000 waits for the long window, then drains at 100 per 5 s again.
    expect(rateLimitFloorMs(4_000, CERTCENTRAL)).toBe(3 * 180_000 + 45_000);
  });
});
