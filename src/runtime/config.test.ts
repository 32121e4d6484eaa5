import { describe, expect, it } from "vitest";
import { RuntimeConfigSchema, defaultRuntimeConfig } from "./config.js";

describe("RuntimeConfigSchema", () => {
  it("defaults to controller-runtime's timings", () => {
    const config = defaultRuntimeConfig();
    expect(config.leaderElection).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    expect(config.informer).toEqual({ pageSize: 500, relistIntervalMs: 600_000 });
  });

  it("rejects timings where a leader could outlive its lease, saying which", () => {
    const result = RuntimeConfigSchema.safeParse({ leaderElection: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/leaseDurationMs must exceed renewDeadlineMs/);
    expect(result.error?.issues[0]?.path).toEqual(["leaderElection"]);
  });
});
