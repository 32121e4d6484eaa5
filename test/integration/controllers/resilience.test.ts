import { describe, expect, it } from "vitest";
import { FaultSchema } from "../../../src/simulator/faults.js";
import { eventually } from "../../helpers/eventually.js";
import { BACKENDS, clientFor } from "../../helpers/providers.js";
import { condition, metricValue, serviceState, tenantSpec, useOperator, writes } from "./harness.js";

const t = useOperator("ctrl-resil");

const dns = () => clientFor(t.s, BACKENDS.find((b) => b.service === "dns")!);
const certcentral = () => clientFor(t.s, BACKENDS.find((b) => b.service === "certcentral")!);
const metric = (line: string) => metricValue(t.op, line);
const sinceNow = () => t.s.sim.calls.calls().at(-1)?.seq ?? 0;

async function provisionDana(tenantOver: Record<string, unknown> = {}) {
  await t.k.tenant("acme", tenantSpec(t.s, tenantOver));
  await t.k.group("g-ops", "acme", "Ops");
  await t.k.mapping("ops", { tenantRef: { name: "acme" }, group: { displayName: "Ops" }, grants: [{ service: "dns", role: "Technical" }, { service: "certcentral", role: "Standard User" }] });
  await t.k.user("u-dana", "acme", { userName: "dana@example.com", groups: [{ value: "g-ops" }] });
  return eventually(async () => {
    const u = await t.k.getUser("u-dana");
    // Synced alone can be an early pass that saw no mapping yet (nothing to do): wait for the access.
    expect(condition(u, "Synced")?.status).toBe("True");
    expect(serviceState(u, "dns")?.state).toBe("Provisioned");
    expect(serviceState(u, "certcentral")?.state).toBe("Provisioned");
    return u;
  });
}

describe("drift, outages and deletion", () => {
  it("corrects a manual change at the next resync, and a resync without drift writes nothing anywhere", async () => {
    const before = await provisionDana({ resyncPeriod: "1s" });
    const resyncs = await metric('digicert_access_resyncs_total{result="success"}');
    const seq = sinceNow();
    // Two full resyncs (one per service each) with nothing changed.
    await eventually(async () => expect(await metric('digicert_access_resyncs_total{result="success"}')).toBeGreaterThanOrEqual(resyncs + 4));
    expect(writes(t.s.sim.calls.calls({ since: seq }))).toEqual([]);
    expect((await t.k.getUser("u-dana")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(t.s.sim.calls.calls({ since: seq, route: "GET /dns/accessmanagement/users" }).length).toBeGreaterThan(0);

    // Someone adds a role by hand in DigiCert DNS; the next resync takes it back.
    await dns().ensureUser({ userName: "dana@example.com", email: "dana@example.com", givenName: "Given", familyName: "Family" }, { roles: ["Technical", "Administrative"] });
    await eventually(async () => expect((await dns().getUser("dana@example.com"))?.roles).toEqual(["Technical"]));
    expect(await metric('digicert_access_drift_corrections_total{service="dns"}')).toBe(1);
    expect(await metric('digicert_access_drift_corrections_total{service="certcentral"}')).toBe(0);
    await eventually(async () => expect((await t.k.events()).some((e) => e.reason === "DriftCorrected" && e.involvedObject.name === "u-dana")).toBe(true));
  });

  it("keeps working while DigiCert is down, says why in status, and converges when it returns", async () => {
    t.s.sim.faults.add(FaultSchema.parse({ plane: "dns", kind: "outage" }));
    await t.k.tenant("acme", tenantSpec(t.s));
    await t.k.group("g-ops", "acme", "Ops");
    await t.k.mapping("ops", { tenantRef: { name: "acme" }, group: { displayName: "Ops" }, grants: [{ service: "dns", role: "Technical" }, { service: "certcentral", role: "Standard User" }] });
    await t.k.user("u-erin", "acme", { userName: "erin@example.com", groups: [{ value: "g-ops" }] });
    await eventually(async () => {
      const u = await t.k.getUser("u-erin");
      expect(condition(u, "Synced")).toMatchObject({ status: "False", reason: "ServiceUnavailable" });
      expect(serviceState(u, "dns")).toMatchObject({ state: "Failed", roles: ["Technical"], message: expect.stringContaining("PROVIDER_ERR_UNAVAILABLE") });
      expect(serviceState(u, "certcentral")?.state).toBe("Provisioned");
    });
    await eventually(async () => expect(condition(await t.k.getTenant("acme"), "CredentialsValid")?.reason).toBe("ServiceUnavailable"));
    // The Event follows the status write that it explains.
    await eventually(async () => expect((await t.k.events()).filter((e) => e.involvedObject.name === "u-erin" && e.type === "Warning").map((e) => e.reason)).toContain("ServiceUnavailable"));
    t.s.sim.faults.clear();
    await eventually(async () => {
      const u = await t.k.getUser("u-erin");
      expect(condition(u, "Synced")?.status).toBe("True");
      expect(serviceState(u, "dns")).toMatchObject({ state: "Provisioned", roles: ["Technical"] });
    }, 30_000);
    expect((await dns().getUser("erin@example.com"))?.roles).toEqual(["Technical"]);
    expect(t.s.sim.calls.calls({ plane: "dns", route: "POST /dns/accessmanagement/users" }).filter((c) => c.status === 201 || c.status === 200)).toHaveLength(1);
  });

  it("deprovisions on DELETE through the finalizer, per the tenant's policy", async () => {
    await provisionDana();
    await t.k.deleteUser("u-dana");
    await eventually(async () => expect(await t.k.getUser("u-dana").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    expect((await dns().getUser("dana@example.com"))?.state).toBe("disabled");
    // CertCentral has no reversible disable: the provider deletes.
    expect(await certcentral().getUser("dana@example.com")).toBeUndefined();
    expect((await t.k.events()).filter((e) => e.involvedObject.name === "u-dana").map((e) => e.reason)).toEqual(expect.arrayContaining(["Disabled", "Deleted"]));
  });

  it("lets a user go that was deleted before the receiver wrote its status, with no DigiCert call", async () => {
    await t.k.tenant("acme", tenantSpec(t.s));
    await eventually(async () => expect(condition(await t.k.getTenant("acme"), "CredentialsValid")?.status).toBe("True"));
    // As the receiver creates users: born with the finalizer; here the status write never came.
    await t.op.client.request({
      method: "POST",
      path: `/apis/digicert-access.io/v1alpha1/namespaces/${t.op.ns}/digicertusers`,
      body: { apiVersion: "digicert-access.io/v1alpha1", kind: "DigiCertUser", metadata: { name: "u-half", finalizers: ["digicert-access.io/deprovision"] }, spec: { tenantRef: { name: "acme" } } },
    });
    const seq = sinceNow();
    await t.k.deleteUser("u-half");
    await eventually(async () => expect(await t.k.getUser("u-half").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    expect(t.s.sim.calls.calls({ since: seq }).filter((c) => c.plane !== "admin")).toEqual([]);
  });

  it("does not deprovision a deleted user whose userName the IdP has already re-created under a new id", async () => {
    await provisionDana();
    await t.k.user("u-dana-2", "acme", { userName: "Dana@example.com", groups: [{ value: "g-ops" }] });
    await eventually(async () => expect(condition(await t.k.getUser("u-dana-2"), "Synced")?.status).toBe("True"));
    const seq = sinceNow();
    await t.k.deleteUser("u-dana");
    await eventually(async () => expect(await t.k.getUser("u-dana").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    expect(writes(t.s.sim.calls.calls({ since: seq }))).toEqual([]);
    expect((await dns().getUser("dana@example.com"))?.state).toBe("active");
    expect((await t.k.events()).map((e) => e.reason)).toContain("DeprovisionSkipped");
  });

  it("never wipes access when the ScimTenant is deleted: users keep their finalizer and DigiCert is left alone", async () => {
    await provisionDana();
    await t.k.deleteTenant("acme");
    await eventually(async () => expect(condition(await t.k.getUser("u-dana"), "Ready")).toMatchObject({ status: "False", reason: "TenantNotFound" }));
    const seq = sinceNow();
    const reconciles = () => metric('controller_runtime_reconcile_total{controller="digicertuser",result="success"}');
    const before = await reconciles();
    await t.k.deleteUser("u-dana");
    // The controller has seen the deletion (reconciled it) and still did nothing.
    await eventually(async () => expect(await reconciles()).toBeGreaterThan(before));
    const dana = await t.k.getUser("u-dana");
    expect(dana.metadata.finalizers).toContain("digicert-access.io/deprovision");
    expect(serviceState(dana, "dns")?.state).toBe("Provisioned");
    expect(writes(t.s.sim.calls.calls({ since: seq }))).toEqual([]);
    expect((await dns().getUser("dana@example.com"))?.state).toBe("active");
  });
});
