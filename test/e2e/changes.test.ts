import { afterEach, describe, expect, it } from "vitest";
import { APPROVE_DEPROVISION_ANNOTATION } from "../../src/controllers/index.js";
import { eventually } from "../helpers/eventually.js";
import {
  MAPPED_GROUPS,
  type SingleReplica,
  type StackOptions,
  condition,
  getTenant,
  getUser,
  lastCall,
  metric,
  oktaAssign,
  oktaPushGroup,
  remote,
  serviceState,
  startSingleReplica,
  writes,
} from "../helpers/e2e.js";
import { BACKENDS, clientFor } from "../helpers/providers.js";
import { GROUP_SCHEMA, PATCH_OP } from "../helpers/scim.js";

// Changes from every side (the IdP, Git, a person in DigiCert) and the tenant policies, end to end.
let t: SingleReplica | undefined;
let stack: SingleReplica["stack"];
let replica: SingleReplica["replica"];
let idp: SingleReplica["idp"];

async function start(prefix: string, options: StackOptions = {}) {
  t = await startSingleReplica(prefix, options);
  ({ stack, replica, idp } = t);
}

afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Route templates of the DigiCert writes after `seq`, sorted. */
const writesSince = (seq: number) => writes(stack.s.sim.calls.calls({ since: seq })).map((c) => c.route).sort();

describe("changes from the IdP, Git and DigiCert", () => {
  it("converges a group rename, a mapping change in Git and a manual change in DigiCert with the minimum calls", async () => {
    await start("e2e-changes", { tenant: { resyncPeriod: "1s" } });
    const member = await oktaAssign(idp, "member@example.com");
    const bystander = await oktaAssign(idp, "bystander@example.com");
    await oktaPushGroup(idp, MAPPED_GROUPS.pki, [member, bystander]);
    await oktaPushGroup(idp, MAPPED_GROUPS.dns, [member]);
    // Entra pushes groups with their object id as externalId; a mapping by externalId survives renames.
    const ops = await idp("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Ops", externalId: "9a1c-ops", members: [{ value: member }] });
    expect(ops.status).toBe(201);
    await stack.cluster.kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "digicert-access.io/v1alpha1",
        kind: "GroupMapping",
        metadata: { name: "ops" },
        spec: { tenantRef: { name: "acme" }, group: { externalId: "9a1c-ops" }, grants: [{ service: "dns", role: "Reporting" }] },
      }),
    );
    await eventually(async () => {
      const u = await getUser(stack, member);
      expect(condition(u, "Synced")?.status).toBe("True");
      expect(serviceState(u, "dns")).toMatchObject({ state: "Provisioned", roles: ["Reporting", "Technical"] });
    });

    // Rename in Entra: the externalId mapping still matches; nothing to do in DigiCert, only the GROUPS column changes.
    let seq = lastCall(stack);
    const rename = await idp("PATCH", `/Groups/${ops.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "displayName", value: "Operations" }] });
    expect(rename.status).toBe(204);
    await eventually(async () => expect((await getUser(stack, member)).status?.summary?.groups).toBe("DNS Team, Operations, PKI Admins"));
    expect(writesSince(seq)).toEqual([]);

    // The platform team changes the DNS Team's role in Git: only the member is touched, in DNS only.
    seq = lastCall(stack);
    const patched = await stack.cluster.kubectl(["patch", "gm", "dns-team", "--type", "merge", "-p", JSON.stringify({ spec: { grants: [{ service: "dns", role: "Administrative" }] } })]);
    expect(patched.code).toBe(0);
    await eventually(async () => expect(serviceState(await getUser(stack, member), "dns")?.roles).toEqual(["Administrative", "Reporting"]));
    // DNS roles are user groups: one bulk add and one bulk remove.
    expect(writesSince(seq)).toEqual([
      "POST /dns/accessmanagement/usergroups/:id/members/bulk/add",
      "POST /dns/accessmanagement/usergroups/:id/members/bulk/remove",
    ]);
    expect(remote(stack).dns().find((u) => u.userName === "member@example.com")?.userGroups.map((g) => g.name).sort()).toEqual(["Administrative", "Reporting"]);
    expect(remote(stack).dns().map((u) => u.userName)).toEqual(["member@example.com"]);

    // Someone promotes the bystander by hand in CertCentral; the next resync takes it back.
    const corrections = () => metric(replica, 'digicert_access_drift_corrections_total{service="certcentral"}');
    expect(await corrections()).toBe(0);
    const certcentral = clientFor(stack.s, BACKENDS.find((b) => b.service === "certcentral")!);
    await certcentral.ensureUser({ userName: "bystander@example.com", email: "bystander@example.com", givenName: "New", familyName: "Hire" }, { roles: ["Administrator"] });
    expect(remote(stack).certcentral().find((u) => u.username === "bystander@example.com")?.access_roles.map((r) => r.name)).toEqual(["Administrator"]);
    await eventually(() => remote(stack).certcentral().find((u) => u.username === "bystander@example.com")?.access_roles.map((r) => r.name).join() === "Manager", 20_000);
    expect(await corrections()).toBe(1);
    expect(serviceState(await getUser(stack, bystander), "certcentral")).toMatchObject({ state: "Provisioned", roles: ["Manager"] });
  });

  it("pauses a burst of deactivations at the guard and resumes when a person approves with kubectl annotate", async () => {
    await start("e2e-guard", { tenant: { deprovision: { mode: "Disable", gracePeriod: "0s", guard: { maxDeactivations: 2, window: "1h" } } } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await oktaAssign(idp, `staff-${i}@example.com`));
    await oktaPushGroup(idp, MAPPED_GROUPS.dns, ids);
    await eventually(async () => {
      for (const id of ids) expect(serviceState(await getUser(stack, id), "dns")?.state).toBe("Provisioned");
    });

    const seq = lastCall(stack);
    const leavers = ids.slice(0, 4);
    for (const id of leavers) {
      const res = await idp("PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] });
      expect(res.status).toBe(200);
    }
    await eventually(async () => {
      const tenant = await getTenant(stack);
      expect(condition(tenant, "DeprovisionPaused")).toMatchObject({ status: "True", reason: "GuardTripped" });
      const users = await Promise.all(leavers.map((id) => getUser(stack, id)));
      const disabled = users.filter((u) => serviceState(u, "dns")?.state === "Disabled").length;
      const paused = users.filter((u) => condition(u, "Synced")?.reason === "DeprovisionPaused").length;
      expect(disabled).toBeLessThanOrEqual(2);
      expect(disabled + paused).toBe(leavers.length);
    });
    expect(await metric(replica, `digicert_access_deprovision_guard_tripped{namespace="${stack.cluster.namespace}",tenant="acme"}`)).toBe(1);
    expect(writesSince(seq).length).toBeLessThanOrEqual(2);
    expect(remote(stack).dns().filter((u) => u.status === "ACTIVE").length).toBeGreaterThanOrEqual(3);

    const approved = await stack.cluster.kubectl(["annotate", "st", "acme", `${APPROVE_DEPROVISION_ANNOTATION}=jane: IdP cleanup ticket 4711`]);
    expect(approved.code).toBe(0);
    await eventually(async () => {
      for (const id of leavers) expect(serviceState(await getUser(stack, id), "dns")?.state).toBe("Disabled");
    });
    expect(writesSince(seq)).toEqual(Array(leavers.length).fill("PATCH /dns/accessmanagement/users/:id"));
    expect(remote(stack).dns().filter((u) => u.status === "ACTIVE").map((u) => u.userName)).toEqual(["staff-4@example.com"]);
    expect(condition(await getTenant(stack), "DeprovisionPaused")?.status).not.toBe("True");
  });

  it("dry-run shows the plan for a new hire and a leaver and makes zero DigiCert calls", async () => {
    await start("e2e-dryrun", { tenant: { dryRun: true } });
    const id = await oktaAssign(idp, "planned@example.com");
    await oktaPushGroup(idp, MAPPED_GROUPS.pki, [id]);
    await oktaPushGroup(idp, MAPPED_GROUPS.dns, [id]);
    await eventually(async () => {
      const u = await getUser(stack, id);
      expect(serviceState(u, "certcentral")).toMatchObject({ state: "Planned", roles: ["Manager"] });
      expect(serviceState(u, "dns")).toMatchObject({ state: "Planned", roles: ["Technical"] });
      expect(u.status?.summary?.services).toBe("certcentral:Manager (planned), dns:Technical (planned)");
      expect(condition(u, "Synced")).toMatchObject({ status: "Unknown", reason: "DryRun" });
    });
    const off = await idp("PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] });
    expect(off.status).toBe(200);
    await eventually(async () => expect((await getUser(stack, id)).status?.desired ?? []).toEqual([]));
    await eventually(async () => expect(condition(await getTenant(stack), "CredentialsValid")?.reason).toBe("DryRun"));
    expect(stack.s.sim.calls.calls()).toEqual([]);
  });
});
