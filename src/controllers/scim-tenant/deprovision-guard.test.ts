import { describe, expect, it } from "vitest";
import type { DigiCertUser, ScimTenant } from "../../api/v1alpha1/index.js";
import { deprovisionPaused, readGuard } from "./deprovision-guard.js";

const now = new Date("2026-12-03T12:00:00Z");
const tenant = (guard: ScimTenant["spec"]["deprovision"]["guard"], status?: ScimTenant["status"]) =>
  ({ metadata: { name: "acme" }, spec: { deprovision: { mode: "Disable", gracePeriod: "0s", guard } }, status }) as ScimTenant;
const deactivated = (at: string) => ({ metadata: { name: at }, status: { scim: { userName: "x", active: false, deactivatedAt: at } } }) as DigiCertUser;
const deleted = (at: string) => ({ metadata: { name: at, deletionTimestamp: at }, status: { scim: { userName: "x", active: true } } }) as DigiCertUser;

describe("readGuard", () => {
  const recent = ["2026-12-03T11:50:00Z", "2026-12-03T11:55:00Z", "2026-12-03T11:59:00Z"].map(deactivated);
  const old = deactivated("2026-12-03T10:00:00Z");

  it.each([
    ["count above maxDeactivations", { maxDeactivations: 2, window: "1h" }, 100, true],
    ["count at maxDeactivations", { maxDeactivations: 3, window: "1h" }, 100, false],
    ["percentage above maxPercent", { maxPercent: 10, window: "1h" }, 20, true],
    ["percentage at maxPercent", { maxPercent: 15, window: "1h" }, 20, false],
  ])("%s", (_name, guard, total, exceeded) => {
    expect(readGuard(tenant(guard), [...recent, old], total, now)).toMatchObject({ count: 3, exceeded });
  });

  it("counts deletions, ignores what happened before the window or before the last approval", () => {
    const users = [...recent, old, deleted("2026-12-03T11:58:00Z")];
    expect(readGuard(tenant({ maxDeactivations: 1, window: "1h" }), users, 10, now).count).toBe(4);
    expect(readGuard(tenant({ maxDeactivations: 1, window: "5m" }), users, 10, now).count).toBe(2);
    const approved = tenant({ maxDeactivations: 1, window: "1h" }, { deprovisionGuard: { tripped: false, approvedThrough: "2026-12-03T11:56:00Z" } });
    expect(readGuard(approved, users, 10, now).count).toBe(2);
  });

  it("stays paused once tripped until approved, and never trips without a guard", () => {
    const latched = tenant({ maxDeactivations: 100, window: "1h" }, { deprovisionGuard: { tripped: true } });
    expect(deprovisionPaused(latched, readGuard(latched, [], 10, now))).toBe(true);
    expect(readGuard(tenant(undefined), recent, 3, now).exceeded).toBe(false);
  });
});
