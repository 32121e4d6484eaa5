import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { APPROVE_DEPROVISION_ANNOTATION } from "../../../src/controllers/index.js";
import type { RunningSimulator } from "../../../src/simulator/index.js";
import { eventually } from "../../helpers/eventually.js";
import { condition, kube, type Operator, SECRET_VALUES, serviceState, simulator, startOperator, tenantSpec, writes } from "./harness.js";

let s: RunningSimulator;
let op: Operator;
let k: ReturnType<typeof kube>;
beforeAll(async () => {
  s = await simulator();
});
afterAll(() => s.close());
beforeEach(async () => {
  s.sim.reset();
  op = await startOperator("ctrl-policy", s);
  k = kube(op);
});
afterEach(() => op.stop());

const metric = async (line: string) => Number((await op.metrics()).split("\n").find((l) => l.startsWith(line))?.split(" ").at(-1) ?? NaN);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `u-${i}`);

async function staff(n: number, tenantOver: Record<string, unknown>) {
  await k.tenant("acme", tenantSpec(s, tenantOver));
  await k.group("g-all", "acme", "Everyone");
  await k.mapping("all", { tenantRef: { name: "acme" }, group: { displayName: "Everyone" }, grants: [{ service: "dns", role: "Technical" }] });
  await Promise.all(ids(n).map((id) => k.user(id, "acme", { userName: `${id}@example.com`, groups: [{ value: "g-all" }] })));
}

describe("tenant policies", () => {
  it("pauses a burst of deactivations above the guard, and resumes only after approval", async () => {
    await staff(6, { deprovision: { mode: "Disable", gracePeriod: "0s", guard: { maxDeactivations: 2, window: "1h" } } });
    await eventually(async () => {
      for (const id of ids(6)) expect(serviceState(await k.getUser(id), "dns")?.state).toBe("Provisioned");
    });
    const at = new Date().toISOString();
    await Promise.all(ids(5).map((id) => k.updateUser(id, { userName: `${id}@example.com`, active: false, deactivatedAt: at, groups: [{ value: "g-all" }] })));

    await eventually(async () => {
      const tenant = await k.getTenant("acme");
      expect(condition(tenant, "DeprovisionPaused")).toMatchObject({ status: "True", reason: "GuardTripped" });
      expect(condition(tenant, "Ready")).toMatchObject({ status: "False", reason: "DeprovisionPaused" });
      expect(tenant.status?.deprovisionGuard).toMatchObject({ tripped: true, deactivationsInWindow: 5 });
    });
    expect(await metric('digicert_access_deprovision_guard_tripped{namespace="' + op.ns + '",tenant="acme"}')).toBe(1);
    expect((await k.events()).map((e) => e.reason)).toContain("DeprovisionGuardTripped");
    // Whatever got through before the count crossed the limit, the rest wait with a reason.
    let paused = 0;
    await eventually(async () => {
      const users = await Promise.all(ids(5).map((id) => k.getUser(id)));
      const disabled = users.filter((u) => serviceState(u, "dns")?.state === "Disabled").length;
      paused = users.filter((u) => condition(u, "Synced")?.reason === "DeprovisionPaused").length;
      expect(disabled).toBeLessThanOrEqual(2);
      expect(disabled + paused).toBe(5);
    });
    expect(paused).toBeGreaterThanOrEqual(3);
    expect(s.sim.calls.calls({ plane: "dns" }).filter((c) => c.method === "PATCH").length).toBeLessThanOrEqual(2);

    await k.patchTenant("acme", { metadata: { annotations: { [APPROVE_DEPROVISION_ANNOTATION]: "jane: IdP cleanup ticket 4711" } } });
    await eventually(async () => {
      for (const id of ids(5)) expect(serviceState(await k.getUser(id), "dns")?.state).toBe("Disabled");
    });
    const tenant = await k.getTenant("acme");
    expect(tenant.metadata.annotations?.[APPROVE_DEPROVISION_ANNOTATION]).toBeUndefined();
    expect(tenant.status?.deprovisionGuard).toMatchObject({ tripped: false, approvedThrough: expect.any(String) });
    expect(serviceState(await k.getUser("u-5"), "dns")?.state).toBe("Provisioned");
    expect((await k.events()).map((e) => e.reason)).toContain("DeprovisionApproved");
  });

  it("dry-run shows the plan in status and makes zero DigiCert calls", async () => {
    await staff(2, { dryRun: true });
    await eventually(async () => {
      const u = await k.getUser("u-0");
      expect(serviceState(u, "dns")).toMatchObject({ state: "Planned", roles: ["Technical"], message: "would grant Technical" });
      expect(u.status?.summary?.services).toBe("dns:Technical (planned)");
      expect(condition(u, "Synced")).toMatchObject({ status: "Unknown", reason: "DryRun" });
    });
    await k.updateUser("u-1", { userName: "u-1@example.com", active: false, groups: [{ value: "g-all" }] });
    await k.deleteUser("u-0");
    await eventually(async () => expect(await k.getUser("u-0").catch((e: { statusCode?: number }) => e.statusCode)).toBe(404));
    await eventually(async () => expect(condition(await k.getTenant("acme"), "CredentialsValid")?.reason).toBe("DryRun"));
    expect(s.sim.calls.calls()).toEqual([]);
  });

  it("keeps secrets out of status, Events, logs and metrics", async () => {
    await staff(2, {});
    await k.tenant("refused", tenantSpec(s, { services: [{ service: "dns", credentialsSecretRef: { name: "digicert", key: "certcentral" }, endpoint: s.urls.dns }] }));
    await k.user("u-x", "refused", { userName: "x@example.com", groups: [] });
    await eventually(async () => expect(condition(await k.getTenant("refused"), "CredentialsValid")?.status).toBe("False"));
    await eventually(async () => expect(serviceState(await k.getUser("u-0"), "dns")?.state).toBe("Provisioned"));
    const everything = JSON.stringify([
      await k.getTenant("acme"),
      await k.getTenant("refused"),
      await Promise.all(["u-0", "u-1", "u-x"].map((id) => k.getUser(id))),
      await k.getMapping("all"),
      await k.events(),
      op.logs,
      await op.metrics(),
    ]);
    expect(everything).toContain("AuthenticationFailed");
    for (const secret of SECRET_VALUES) expect(everything).not.toContain(secret);
    expect(writes(s.sim.calls.calls({ plane: "dns" })).length).toBeGreaterThan(0);
  });
});
