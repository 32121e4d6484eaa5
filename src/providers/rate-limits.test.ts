import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, busiest, clientFor } from "../../test/helpers/providers.js";
import { startSimulator, type RunningSimulator } from "../simulator/index.js";
import { rateLimitFloorMs, type RateWindow } from "./http/rate-limiter.js";

// The limiter's unit test proves the schedule on a fake clock; this one proves what DigiCert would
// see. CertCentral's two windows (100 per 5 s, 1000 per 3 min) scaled by 1/150 keep their shape
// (a short burst window inside a long sustained one) and are enforced by the simulator exactly as
// DigiCert counts them: any call over either window would come back as a 429. No safety margin
// (rateLimitMarginMs 0 in tests): the windows must hold by construction, not by slack.
const WINDOWS: RateWindow[] = [
  { requests: 100, windowMs: 33 },
  { requests: 1000, windowMs: 1_200 },
];
// Ten times what the long window allows, all offered within one long window.
const CALLS = 10_000;
const certcentral = BACKENDS.find((b) => b.service === "certcentral")!;

let s: RunningSimulator;
beforeAll(async () => {
  s = await startSimulator({ certcentral: { rateLimits: WINDOWS } });
});
afterAll(() => s.close());

describe("CertCentral under 10x oversubscription", () => {
  it("stays inside both windows as the service counts them, with zero 429s, and wastes no capacity", async () => {
    const client = clientFor(s, certcentral, {}, { rateLimits: WINDOWS.map((w) => ({ requests: w.requests, windowMs: w.windowMs })) });
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, async (_, i) => {
        await sleep(Math.floor((i * WINDOWS[1]!.windowMs) / CALLS));
        return client.getUser(`nobody-${i}@example.com`);
      }),
    );
    const elapsed = performance.now() - started;
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const calls = s.sim.calls.calls({ plane: "certcentral" });
    expect(calls).toHaveLength(CALLS);
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    const arrivals = calls.map((c) => c.at).sort((a, b) => a - b);
    expect(busiest(arrivals, WINDOWS[0]!.windowMs)).toBeLessThanOrEqual(100);
    expect(busiest(arrivals, WINDOWS[1]!.windowMs)).toBeLessThanOrEqual(1000);
    // Paced, not starved: no faster than the floor allows, and not far behind it.
    const floor = rateLimitFloorMs(CALLS, WINDOWS);
    expect(elapsed).toBeGreaterThanOrEqual(floor);
    expect(elapsed).toBeLessThan(floor * 2);
  }, 60_000);
});
