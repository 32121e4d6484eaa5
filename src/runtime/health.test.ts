import Fastify from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EventLoopMonitor, registerHealthRoutes } from "./health.js";

const busyWait = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // deliberately blocking the event loop
  }
};

const monitors: EventLoopMonitor[] = [];
afterEach(() => monitors.splice(0).forEach((m) => m.stop()));

describe("health routes", () => {
  it("answers 200 when every check passes and 503 naming the failing one otherwise", async () => {
    let synced = false;
    const app = Fastify();
    registerHealthRoutes(app, {
      liveness: { "event-loop": () => true },
      readiness: {
        "informers-synced": () => synced,
        leases: () => {
          throw new Error("lease store unreachable");
        },
      },
    });
    const live = await app.inject({ method: "GET", url: "/healthz" });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: "ok", checks: { "event-loop": "ok" } });

    const notReady = await app.inject({ method: "GET", url: "/readyz" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: "failed", checks: { "informers-synced": "failed", leases: "lease store unreachable" } });

    synced = true;
    const stillNotReady = await app.inject({ method: "GET", url: "/readyz" });
    expect(stillNotReady.json().checks["informers-synced"]).toBe("ok");
    await app.close();
  });
});

describe("EventLoopMonitor", () => {
  it("fails while the event loop is blocked beyond the threshold and recovers afterwards", async () => {
    const monitor = new EventLoopMonitor({ thresholdMs: 100, intervalMs: 10, windowMs: 50 });
    monitors.push(monitor);
    monitor.start();
    expect(monitor.check()).toBe(true);

    busyWait(250);
    expect(() => monitor.check()).toThrow(/event loop lag \d+ ms \(threshold 100 ms\)/);
    await vi.waitFor(() => expect(monitor.check()).toBe(true));
  });

  it("counts as failed when it was never started or was stopped", () => {
    const monitor = new EventLoopMonitor();
    expect(() => monitor.check()).toThrow(/not running/);
    monitor.start();
    expect(monitor.check()).toBe(true);
    monitor.stop();
    expect(() => monitor.check()).toThrow(/not running/);
  });
});
