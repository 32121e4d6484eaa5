import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DigiCertUser, Grant, GroupMapping, ScimGroup, ScimTenant, ServiceName } from "../../api/v1alpha1/index.js";
import { SERVICE_NAMES } from "../../api/v1alpha1/index.js";
import { desiredAccess } from "./desired-access.js";

const NOW = new Date("2026-12-03T12:00:00Z");

function tenant(services: ServiceName[] = [...SERVICE_NAMES]): ScimTenant {
  return {
    apiVersion: "digicert-access.io/v1alpha1",
    kind: "ScimTenant",
    metadata: { name: "acme", namespace: "ns" },
    spec: {
      scim: { tokenSecretRefs: [{ name: "t", key: "k" }] },
      services: services.map((service) => ({ service, credentialsSecretRef: { name: "c", key: "k" } })),
      deprovision: { mode: "Disable", gracePeriod: "0s" },
      resyncPeriod: "10m",
      dryRun: false,
      suspend: false,
    },
  };
}

const group = (id: string, displayName: string, externalId?: string): ScimGroup => ({
  apiVersion: "digicert-access.io/v1alpha1",
  kind: "ScimGroup",
  metadata: { name: id, namespace: "ns" },
  spec: { tenantRef: { name: "acme" } },
  status: { scim: { displayName, ...(externalId ? { externalId } : {}) } },
});

const mapping = (name: string, by: { displayName?: string; externalId?: string }, grants: Grant[], priority = 0, tenantName = "acme"): GroupMapping => ({
  apiVersion: "digicert-access.io/v1alpha1",
  kind: "GroupMapping",
  metadata: { name, namespace: "ns" },
  spec: { tenantRef: { name: tenantName }, group: by, grants, priority },
});

const user = (groupIds: string[], opts: { active?: boolean; overrides?: DigiCertUser["spec"]["overrides"] } = {}): DigiCertUser => ({
  apiVersion: "digicert-access.io/v1alpha1",
  kind: "DigiCertUser",
  metadata: { name: "u1", namespace: "ns" },
  spec: { tenantRef: { name: "acme" }, suspend: false, ...(opts.overrides ? { overrides: opts.overrides } : {}) },
  status: { scim: { userName: "ada@example.com", active: opts.active ?? true, groups: groupIds.map((value) => ({ value })) } },
});

const groups = [group("g-admins", "PKI Admins"), group("g-web", "Web Team"), group("g-rel", "Release Eng", "00g-rel"), group("g-legal", "Legal")];
const mappings = [
  mapping("pki-admins", { displayName: "PKI Admins" }, [
    { service: "certcentral", role: "Administrator" },
    { service: "dns", role: "Administrator" },
  ], 100),
  mapping("web-team", { displayName: "Web Team" }, [
    { service: "certcentral", role: "Standard User", divisions: ["Web"] },
    { service: "dns", role: "Read Only" },
  ], 10),
  mapping("release", { externalId: "00g-rel" }, [
    { service: "software-trust", role: "Signer" },
    { service: "software-trust", role: "Build Engineer" },
  ]),
  mapping("legal", { displayName: "Legal" }, [{ service: "certcentral", role: "Manager", divisions: ["Legal"] }], 10),
];

const run = (u: DigiCertUser, t = tenant(), m = mappings) => desiredAccess({ user: u, tenant: t, mappings: m, groups, now: NOW });

describe("desiredAccess", () => {
  it("a new hire in two mapped groups gets both services' roles", () => {
    expect(run(user(["g-web", "g-rel"])).access).toEqual([
      { service: "certcentral", roles: ["Standard User"], divisions: ["Web"] },
      { service: "dns", roles: ["Read Only"] },
      { service: "software-trust", roles: ["Build Engineer", "Signer"] },
    ]);
  });

  it("an inactive user gets no access at all, whatever the groups say", () => {
    expect(run(user(["g-admins", "g-web"], { active: false }))).toEqual({ access: [], sources: [], ignored: [] });
  });

  it("a user with no SCIM state yet gets no access", () => {
    const u = user([]);
    delete u.status;
    expect(run(u).access).toEqual([]);
  });

  it("single-role services: the highest priority wins", () => {
    const { access, sources } = run(user(["g-web", "g-admins"]));
    expect(access.find((a) => a.service === "certcentral")).toEqual({ service: "certcentral", roles: ["Administrator"] });
    expect(sources.filter((s) => s.service === "certcentral")).toEqual([{ service: "certcentral", role: "Administrator", from: "pki-admins", group: "PKI Admins" }]);
  });

  it("single-role services: a tie goes to the least privileged role", () => {
    // web-team (Standard User) and legal (Manager) both have priority 10.
    expect(run(user(["g-web", "g-legal"])).access[0]).toEqual({ service: "certcentral", roles: ["Standard User"], divisions: ["Web"] });
  });

  it("single-role services: equal grants of the winning role merge their divisions; a grant without divisions means all", () => {
    const extra = [
      mapping("web-2", { displayName: "Legal" }, [{ service: "certcentral", role: "Standard User", divisions: ["Marketing", "Web"] }], 10),
    ];
    expect(run(user(["g-web", "g-legal"]), tenant(), [mappings[1]!, ...extra]).access[0]?.divisions).toEqual(["Marketing", "Web"]);
    const unrestricted = [mapping("web-all", { displayName: "Legal" }, [{ service: "certcentral", role: "Standard User" }], 10)];
    expect(run(user(["g-web", "g-legal"]), tenant(), [mappings[1]!, ...unrestricted]).access[0]).toEqual({ service: "certcentral", roles: ["Standard User"] });
  });

  it("multi-role services receive the union of roles", () => {
    expect(run(user(["g-web", "g-admins"])).access.find((a) => a.service === "dns")?.roles).toEqual(["Administrator", "Read Only"]);
  });

  it("matches groups by externalId when the mapping names one, so a rename keeps access", () => {
    const renamed = [group("g-rel", "Release Engineering (renamed)", "00g-rel")];
    const result = desiredAccess({ user: user(["g-rel"]), tenant: tenant(), mappings, groups: renamed, now: NOW });
    expect(result.access).toEqual([{ service: "software-trust", roles: ["Build Engineer", "Signer"] }]);
  });

  it("a displayName mapping stops matching when the group is renamed", () => {
    const renamed = [group("g-web", "Web Platform")];
    expect(desiredAccess({ user: user(["g-web"]), tenant: tenant(), mappings, groups: renamed, now: NOW }).access).toEqual([]);
  });

  it("ignores mappings of other tenants and groups the user is not in", () => {
    const other = [mapping("other", { displayName: "Web Team" }, [{ service: "iot-trust", role: "Account Manager" }], 0, "globex")];
    expect(run(user(["g-admins"]), tenant(), other).access).toEqual([]);
  });

  it("drops grants for services the tenant has not enabled, and says so", () => {
    const result = run(user(["g-rel", "g-web"]), tenant(["certcentral", "dns"]));
    expect(result.access.map((a) => a.service)).toEqual(["certcentral", "dns"]);
    expect(result.ignored).toEqual([
      { service: "software-trust", role: "Signer", from: "release", reason: "ServiceNotEnabled" },
      { service: "software-trust", role: "Build Engineer", from: "release", reason: "ServiceNotEnabled" },
    ]);
  });

  it("a break-glass override adds grants that win any priority, and denies services", () => {
    const overrides = {
      reason: "incident 42",
      extraGrants: [{ service: "certcentral" as const, role: "Limited User" }, { service: "iot-trust" as const, role: "Account Manager" }],
      denyServices: ["dns" as const],
    };
    const result = run(user(["g-admins"], { overrides }));
    expect(result.access).toEqual([
      { service: "certcentral", roles: ["Limited User"] },
      { service: "iot-trust", roles: ["Account Manager"] },
    ]);
    expect(result.ignored).toEqual([{ service: "dns", role: "Administrator", from: "pki-admins", reason: "DeniedByOverride" }]);
    expect(result.sources).toContainEqual({ service: "iot-trust", role: "Account Manager", from: "override" });
  });

  it("an expired override no longer applies", () => {
    const overrides = { reason: "r", denyServices: ["dns" as const], expiresAt: "2026-12-03T11:59:59Z" };
    expect(run(user(["g-admins"], { overrides })).access.map((a) => a.service)).toEqual(["certcentral", "dns"]);
  });

  it("an override does not resurrect an inactive user", () => {
    const overrides = { reason: "r", extraGrants: [{ service: "dns" as const, role: "Administrator" }] };
    expect(run(user([], { active: false, overrides })).access).toEqual([]);
  });
});

describe("desiredAccess properties", () => {
  const serviceArb = fc.constantFrom(...SERVICE_NAMES);
  const roleArb = fc.constantFrom("Administrator", "Manager", "Finance Manager", "Standard User", "Limited User", "Signer", "Lead");
  const grantArb = fc.record({ service: serviceArb, role: roleArb }).map((g) => g as Grant);
  const mappingsArb = fc.array(
    fc.record({ group: fc.constantFrom("PKI Admins", "Web Team", "Legal"), grants: fc.array(grantArb, { minLength: 1, maxLength: 4 }), priority: fc.integer({ min: 0, max: 3 }) }),
    { maxLength: 6 },
  ).map((ms) => ms.map((m, i) => mapping(`m${i}`, { displayName: m.group }, m.grants, m.priority)));
  const memberOfArb = fc.subarray(["g-admins", "g-web", "g-legal"]);
  const enabledArb = fc.subarray([...SERVICE_NAMES], { minLength: 1 });

  it("never grants a disabled service, gives single-role services one role, and ignores mapping order", () => {
    fc.assert(
      fc.property(mappingsArb, memberOfArb, enabledArb, (ms, memberOf, enabled) => {
        const result = run(user(memberOf), tenant(enabled), ms);
        for (const a of result.access) {
          expect(enabled).toContain(a.service);
          if (a.service === "certcentral") expect(a.roles).toHaveLength(1);
          expect(a.roles?.length).toBeGreaterThan(0);
        }
        expect(run(user(memberOf), tenant(enabled), [...ms].reverse()).access).toEqual(result.access);
      }),
    );
  });

  it("joining one more group never removes a multi-role service's role", () => {
    fc.assert(
      fc.property(mappingsArb, memberOfArb, (ms, memberOf) => {
        const before = run(user(memberOf), tenant(), ms).access;
        const after = run(user([...new Set([...memberOf, "g-admins", "g-web"])]), tenant(), ms).access;
        for (const a of before.filter((x) => x.service !== "certcentral")) {
          const later = after.find((x) => x.service === a.service);
          for (const role of a.roles ?? []) expect(later?.roles).toContain(role);
        }
      }),
    );
  });
});
