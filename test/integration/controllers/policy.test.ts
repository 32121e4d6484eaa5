import { describe, expect, it } from "vitest";
import { APPROVE_DEPROVISION_ANNOTATION } from "../../../src/controllers/index.js";
import { eventually } from "../../helpers/eventually.js";
import { condition, metricValue, SECRET_VALUES, serviceState, tenantSpec, useOperator, writes } from "./harness.js";

const t = useOperator("ctrl-policy");

const metric = (line: string) => metricValue(t.op, line);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `u-${i}`);

async function staff(n: number, tenantOver: Record<string, unknown>) {
  await t.k.tenant("acme", tenantSpec(t.s, tenantOver));
  await t.k.group("g-all", "acme", "Everyone");
  await t.k.mapping("all", { tenantRef: { name: "acme" }, group: { displayName: "Everyone" }, grants: [{ service: "dns", role: "Technical" }] });
  await Promise.all(ids(n).map((id) => t.k.user(id, "acme", { userName: `${id}@example.com`, groups: [{ value: "g-all" }] })));
}

describe("tenant policies", () => {
  it("pauses a burst of deactivations above the guard, and resumes only after approval", async () => {
    await staff(6, { deprovision: { mode: "Disable", gracePeriod: "0s", guard: { maxDeactivations: 2, window: "1h" } } });
    await eventually(async () => {
      for (const id of ids(6)) expect(serviceState(await t.k.getUser(id), "dns")?.state).toBe("Provisioned");
    });
    const at = new Date().toISOString();
    await Promise.all(ids(5).map((id) => t.k.updateUser(id, { userName: `${id}@example.com`, active: false, deactivatedAt: at, groups: [{ value: "g-all" }] })));

    await eventually(async () => {
      const tenant = await t.k.getTenant("acme");
      expect(condition(tenant, "DeprovisionPaused")).toMatchObject({ status: "True", reason: "GuardTripped" });
      expect(condition(tenant, "Ready")).toMatchObject({ status: "False", reason: "DeprovisionPaused" });
      expect(tenant.status?.deprovisionGuard).toMatchObject({ tripped: true, deactivationsInWindow: 5 });
    });
    expect(await metric('digicert_access_deprovision_guard_tripped{namespace="' + t.op.ns + '",tenant="acme"}')).toBe(1);
    // Events are written after the status they explain: wait for them too.
    await eventually(async () => expect((await t.k.events()).map((e) => e.reason)).toContain("DeprovisionGuardTripped"));
    // Whatever got through before the count crossed the limit, the rest wait with a reason.
    let paused = 0;
    await eventually(async () => {
      const users = await Promise.all(ids(5).map((id) => t.k.getUser(id)));
      const disabled = users.filter((u) => serviceState(u, "dns")?.state === "Disabled").length;
      paused = users.filter((u) => condition(u, "Synced")?.reason === "DeprovisionPaused").length;
      expect(disabled).toBeLessThanOrEqual(2);
      expect(disabled + paused).toBe(5);
    });
    expect(paused).toBeGreaterThanOrEqual(3);
    expect(t.s.sim.calls.calls({ plane: "dns" }).filter((c) => c.method === "PATCH").length).toBeLessThanOrEqual(2);

    await t.k.patchTenant("acme", { metadata: { annotations: { [APPROVE_DEPROVISION_ANNOTATION]: "jane: IdP cleanup ticket 4711" } } });
    await eventually(async () => {
      for (const id of ids(5)) expect(serviceState(await t.k.getUser(id), "dns")?.state).toBe("Disabled");
    });
    const tenant = await t.k.getTenant("acme");
    expect(tenant.metadata.annotations?.[APPROVE_DEPROVISION_ANNOTATION]).toBeUndefined();
    expect(tenant.status?.deprovisionGuard).toMatchObject({ tripped: false, approvedThrough: expect.any(String) });
    expect(serviceState(await t.k.getUser("u-5"), "dns")?.state).toBe("Provisioned");
    await eventually(async () => expect((await t.k.events()).map((e) => e.reason)).toContain("DeprovisionApproved"));
  });

  it("dry-run shows the plan in status and makes zero DigiCert calls", async () => {
    await staff(2, { dryRun: true });
    await eventually(async () => {
      const u = await t.k.getUser("u-0");
      expect(serviceState(u, "dns")).toMatchObject({ state: "Planned", roles: ["Technical"], message: "would grant Technical" });
      expect(u.status?.summary?.services).toBe("dns:Technical (planned)");
      expect(condition(u, "Synced")).toMatchObject({ status: "Unknown", reason: "DryRun" });
    });
    await t.k.updateUser("u-1", { userName: "u-1@example.com", active: false, groups: [{ value: "g-all" }] });
    await t.k.deleteUser("u-0");
    await eventually(async () => expect(await t.k.getUser("u-0").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    await eventually(async () => expect(condition(await t.k.getTenant("acme"), "CredentialsValid")?.reason).toBe("DryRun"));
    expect(t.s.sim.calls.calls()).toEqual([]);
  });

  it("holds the deprovisioning of a user deleted while its tenant is in dry-run, and carries it out once dry-run is off", async () => {
    await staff(1, { deprovision: { mode: "Delete", gracePeriod: "0s" } });
    await eventually(async () => expect(serviceState(await t.k.getUser("u-0"), "dns")?.state).toBe("Provisioned"));
    await t.k.patchTenant("acme", { spec: { dryRun: true } });
    await t.k.patchMapping("all", { grants: [{ service: "dns", role: "Reporting" }] });
    await eventually(async () => expect(serviceState(await t.k.getUser("u-0"), "dns")).toMatchObject({ state: "Planned", remoteId: expect.any(String) }));
    const before = t.s.sim.calls.calls().length;

    await t.k.deleteUser("u-0");
    await eventually(async () => {
      const u = await t.k.getUser("u-0");
      expect(u.metadata.deletionTimestamp).toBeDefined();
      expect(condition(u, "Synced")).toMatchObject({ status: "Unknown", reason: "DeprovisionHeldDryRun" });
    });
    await eventually(async () => expect((await t.k.events()).map((e) => e.reason)).toContain("DeprovisionHeldDryRun"));
    expect(t.s.sim.calls.calls().slice(before)).toEqual([]);
    const dnsUsers = () => (t.s.sim.state() as { dns: { users: unknown[] } }).dns.users.length;
    expect(dnsUsers()).toBe(1);

    await t.k.patchTenant("acme", { spec: { dryRun: false } });
    await eventually(async () => expect(await t.k.getUser("u-0").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    expect(dnsUsers()).toBe(0);
  });

  it("keeps secrets out of status, Events, logs and metrics", async () => {
    await staff(2, {});
    await t.k.tenant("refused", tenantSpec(t.s, { services: [{ service: "dns", credentialsSecretRef: { name: "digicert", key: "certcentral" }, endpoint: t.s.urls.dns }] }));
    await t.k.user("u-x", "refused", { userName: "x@example.com", groups: [] });
    await eventually(async () => expect(condition(await t.k.getTenant("refused"), "CredentialsValid")?.status).toBe("False"));
    await eventually(async () => expect(serviceState(await t.k.getUser("u-0"), "dns")?.state).toBe("Provisioned"));
    const everything = JSON.stringify([
      await t.k.getTenant("acme"),
      await t.k.getTenant("refused"),
      await Promise.all(["u-0", "u-1", "u-x"].map((id) => t.k.getUser(id))),
      await t.k.getMapping("all"),
      await t.k.events(),
      t.op.logs,
      await t.op.metrics(),
    ]);
    expect(everything).toContain("AuthenticationFailed");
    for (const secret of SECRET_VALUES) expect(everything).not.toContain(secret);
    expect(writes(t.s.sim.calls.calls({ plane: "dns" })).length).toBeGreaterThan(0);
  });
});
