import { describe, expect, it } from "vitest";
import type { DigiCertUser, ScimTenant, ServiceAccess } from "../../api/v1alpha1/index.js";
import { planUser, type ServiceStatus } from "./plan.js";

const now = new Date("2026-12-03T12:00:00Z");

function tenant(deprovision: Partial<ScimTenant["spec"]["deprovision"]> = {}): ScimTenant {
  return {
    apiVersion: "digicert-access.io/v1alpha1",
    kind: "ScimTenant",
    metadata: { name: "acme", namespace: "ns" },
    spec: {
      scim: { tokenSecretRefs: [{ name: "s", key: "k" }] },
      services: [
        { service: "certcentral", credentialsSecretRef: { name: "s", key: "cc" } },
        { service: "dns", credentialsSecretRef: { name: "s", key: "dns" } },
      ],
      deprovision: { mode: "Disable", gracePeriod: "0s", ...deprovision },
      resyncPeriod: "10m",
      dryRun: false,
      suspend: false,
    },
  };
}

function user(opts: { active?: boolean; deactivatedAt?: string; deleting?: boolean; services?: ServiceStatus[] } = {}): DigiCertUser {
  return {
    apiVersion: "digicert-access.io/v1alpha1",
    kind: "DigiCertUser",
    metadata: { name: "u", namespace: "ns", ...(opts.deleting ? { deletionTimestamp: now.toISOString() } : {}) },
    spec: { tenantRef: { name: "acme" }, suspend: false },
    status: {
      scim: { userName: "u@example.com", active: opts.active ?? true, ...(opts.deactivatedAt ? { deactivatedAt: opts.deactivatedAt } : {}) },
      services: opts.services,
    },
  };
}

const provisioned = (service: ServiceStatus["service"], roles: string[]): ServiceStatus => ({ service, roles, state: "Provisioned" });
const want = (service: ServiceAccess["service"], roles: string[]): ServiceAccess => ({ service, roles });
const kinds = (input: Parameters<typeof planUser>[0]) => Object.fromEntries(planUser(input).map((p) => [p.service, p.action.kind]));
const base = { now, drift: new Set<never>(), guardPaused: () => false };

describe("planUser", () => {
  it.each([
    ["nothing applied yet", user(), [want("dns", ["Technical"])], { dns: "ensure" }],
    ["already applied", user({ services: [provisioned("dns", ["Technical"])] }), [want("dns", ["Technical"])], { dns: "keep" }],
    ["roles changed", user({ services: [provisioned("dns", ["Technical"])] }), [want("dns", ["Reporting"])], { dns: "ensure" }],
    ["no longer mapped", user({ services: [provisioned("dns", ["Technical"])] }), [], { dns: "disable" }],
    ["a failed attempt is retried", user({ services: [{ service: "dns", roles: ["Technical"], state: "Failed" }] }), [want("dns", ["Technical"])], { dns: "ensure" }],
    ["disabled stays disabled", user({ services: [{ service: "dns", state: "Disabled" }] }), [], { dns: "keep" }],
    ["a dry-run plan is forgotten", user({ services: [{ service: "dns", roles: ["Technical"], state: "Planned" }] }), [], { dns: "drop" }],
  ])("active user, %s", (_name, u, desired, expected) => {
    expect(kinds({ ...base, user: u, tenant: tenant(), desired })).toEqual(expected);
  });

  it("deactivated users keep access during the grace period, then lose it per the tenant's mode", () => {
    const u = user({ active: false, deactivatedAt: "2026-12-03T11:30:00Z", services: [provisioned("certcentral", ["Manager"])] });
    const [inGrace] = planUser({ ...base, user: u, tenant: tenant({ gracePeriod: "1h" }), desired: [] });
    expect(inGrace?.action).toEqual({ kind: "grace", untilMs: Date.parse("2026-12-03T12:30:00Z") });
    expect(kinds({ ...base, user: u, tenant: tenant({ gracePeriod: "10m", mode: "Delete" }), desired: [] })).toEqual({ certcentral: "delete" });
  });

  it("holds deactivations and deletions (not unmapped services) while the guard is tripped, asking it only when needed", () => {
    let asked = 0;
    const guardPaused = () => (asked++, true);
    const inactive = user({ active: false, services: [provisioned("dns", ["Technical"])] });
    expect(kinds({ ...base, guardPaused, user: inactive, tenant: tenant(), desired: [] })).toEqual({ dns: "paused" });
    expect(kinds({ ...base, guardPaused, user: user({ services: [provisioned("dns", ["Technical"])] }), tenant: tenant(), desired: [] })).toEqual({ dns: "disable" });
    expect(kinds({ ...base, guardPaused, user: user(), tenant: tenant(), desired: [want("dns", ["Technical"])] })).toEqual({ dns: "ensure" });
    expect(asked).toBe(1);
  });

  it("deprovisions a deleted user in every connected service, even where status recorded nothing", () => {
    expect(kinds({ ...base, user: user({ deleting: true, services: [provisioned("dns", ["Technical"])] }), tenant: tenant(), desired: [] })).toEqual({ certcentral: "disable", dns: "disable" });
  });

  it("re-applies drifted services even when status says they are applied", () => {
    const u = user({ services: [provisioned("dns", ["Technical"]), { service: "certcentral", state: "Disabled" }] });
    const plans = planUser({ ...base, drift: new Set(["dns", "certcentral"]), user: u, tenant: tenant(), desired: [want("dns", ["Technical"])] });
    expect(plans.map((p) => p.action)).toEqual([
      { kind: "disable", cause: "unmapped", drift: true },
      { kind: "ensure", access: want("dns", ["Technical"]), drift: true },
    ]);
  });

  it("leaves services the tenant no longer connects alone", () => {
    expect(kinds({ ...base, user: user({ services: [provisioned("trust-lifecycle", ["Manager"])] }), tenant: tenant(), desired: [] })).toEqual({ "trust-lifecycle": "keep" });
  });
});
