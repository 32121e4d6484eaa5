import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FaultSchema } from "../../../src/simulator/faults.js";
import type { RunningSimulator } from "../../../src/simulator/index.js";
import { eventually } from "../../helpers/eventually.js";
import { BACKENDS, clientFor } from "../../helpers/providers.js";
import { condition, kube, type Operator, serviceState, simulator, startOperator, tenantSpec, writes } from "./harness.js";

let s: RunningSimulator;
let op: Operator;
let k: ReturnType<typeof kube>;
beforeAll(async () => {
  s = await simulator();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.sim.reset();
  op = await startOperator("ctrl-resil", s);
  k = kube(op);
});
afterEach(() => op.stop());

const dns = () => clientFor(s, BACKENDS.find((b) => b.service === "dns")!);
const certcentral = () => clientFor(s, BACKENDS.find((b) => b.service === "certcentral")!);
const metric = async (line: string) => Number((await op.metrics()).split("\n").find((l) => l.startsWith(line))?.split(" ").at(-1) ?? NaN);
const sinceNow = () => s.sim.calls.calls().at(-1)?.seq ?? 0;

async function provisionDana(tenantOver: Record<string, unknown> = {}) {
  await k.tenant("acme", tenantSpec(s, tenantOver));
  await k.group("g-ops", "acme", "Ops");
  await k.mapping("ops", { tenantRef: { name: "acme" }, group: { displayName: "Ops" }, grants: [{ service: "dns", role: "Technical" }, { service: "certcentral", role: "Standard User" }] });
  await k.user("u-dana", "acme", { userName: "dana@example.com", groups: [{ value: "g-ops" }] });
  return eventually(async () => {
    const u = await k.getUser("u-dana");
    expect(condition(u, "Synced")?.status).toBe("True");
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
    expect(writes(s.sim.calls.calls({ since: seq }))).toEqual([]);
    expect((await k.getUser("u-dana")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(s.sim.calls.calls({ since: seq, route: "GET /dns/accessmanagement/users" }).length).toBeGreaterThan(0);

    // Someone adds a role by hand in DigiCert DNS; the next resync takes it back.
    await dns().ensureUser({ userName: "dana@example.com", email: "dana@example.com", givenName: "Given", familyName: "Family" }, { roles: ["Technical", "Administrative"] });
    await eventually(async () => expect((await dns().getUser("dana@example.com"))?.roles).toEqual(["Technical"]));
    expect(await metric('digicert_access_drift_corrections_total{service="dns"}')).toBe(1);
    expect(await metric('digicert_access_drift_corrections_total{service="certcentral"}')).toBe(0);
    await eventually(async () => expect((await k.events()).some((e) => e.reason === "DriftCorrected" && e.involvedObject.name === "u-dana")).toBe(true));
  });

  it("keeps working while DigiCert is down, says why in status, and converges when it returns", async () => {
    s.sim.faults.add(FaultSchema.parse({ plane: "dns", kind: "outage" }));
    await k.tenant("acme", tenantSpec(s));
    await k.group("g-ops", "acme", "Ops");
    await k.mapping("ops", { tenantRef: { name: "acme" }, group: { displayName: "Ops" }, grants: [{ service: "dns", role: "Technical" }, { service: "certcentral", role: "Standard User" }] });
    await k.user("u-erin", "acme", { userName: "erin@example.com", groups: [{ value: "g-ops" }] });
    await eventually(async () => {
      const u = await k.getUser("u-erin");
      expect(condition(u, "Synced")).toMatchObject({ status: "False", reason: "ServiceUnavailable" });
      expect(serviceState(u, "dns")).toMatchObject({ state: "Failed", roles: ["Technical"], message: expect.stringContaining("PROVIDER_ERR_UNAVAILABLE") });
      expect(serviceState(u, "certcentral")?.state).toBe("Provisioned");
    });
    await eventually(async () => expect(condition(await k.getTenant("acme"), "CredentialsValid")?.reason).toBe("ServiceUnavailable"));
    s.sim.faults.clear();
    await eventually(async () => {
      const u = await k.getUser("u-erin");
      expect(condition(u, "Synced")?.status).toBe("True");
      expect(serviceState(u, "dns")).toMatchObject({ state: "Provisioned", roles: ["Technical"] });
    }, 30_000);
    expect((await dns().getUser("erin@example.com"))?.roles).toEqual(["Technical"]);
    expect(s.sim.calls.calls({ plane: "dns", route: "POST /dns/accessmanagement/users" }).filter((c) => c.status === 201 || c.status === 200)).toHaveLength(1);
  });

  it("deprovisions on DELETE through the finalizer, per the tenant's policy", async () => {
    await provisionDana();
    await k.deleteUser("u-dana");
    await eventually(async () => expect(await k.getUser("u-dana").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    expect((await dns().getUser("dana@example.com"))?.state).toBe("disabled");
    // CertCentral has no reversible disable: the provider deletes.
    expect(await certcentral().getUser("dana@example.com")).toBeUndefined();
    expect((await k.events()).filter((e) => e.involvedObject.name === "u-dana").map((e) => e.reason)).toEqual(expect.arrayContaining(["Disabled", "Deleted"]));
  });

  it("never wipes access when the ScimTenant is deleted: users keep their finalizer and DigiCert is left alone", async () => {
    await provisionDana();
    await k.deleteTenant("acme");
    await eventually(async () => expect(condition(await k.getUser("u-dana"), "Ready")).toMatchObject({ status: "False", reason: "TenantNotFound" }));
    const seq = sinceNow();
    const reconciles = () => metric('controller_runtime_reconcile_total{controller="digicertuser",result="success"}');
    const before = await reconciles();
    await k.deleteUser("u-dana");
    // The controller has seen the deletion (reconciled it) and still did nothing.
    await eventually(async () => expect(await reconciles()).toBeGreaterThan(before));
    const dana = await k.getUser("u-dana");
    expect(dana.metadata.finalizers).toContain("digicert-access.io/deprovision");
    expect(serviceState(dana, "dns")?.state).toBe("Provisioned");
    expect(writes(s.sim.calls.calls({ since: seq }))).toEqual([]);
    expect((await dns().getUser("dana@example.com"))?.state).toBe("active");
  });
});
