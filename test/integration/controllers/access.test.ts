import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../../../src/simulator/index.js";
import { eventually } from "../../helpers/eventually.js";
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
  op = await startOperator("ctrl-access", s);
  k = kube(op);
});
afterEach(() => op.stop());

/** A tenant, two groups and two mappings: PKI admins -> CertCentral Manager, DNS team -> DNS Technical. */
async function baseline(over: Record<string, unknown> = {}) {
  await k.tenant("acme", tenantSpec(s, over));
  await k.group("g-pki", "acme", "PKI Admins", "ext-pki");
  await k.group("g-dns", "acme", "DNS Team", "ext-dns");
  await k.mapping("pki", { tenantRef: { name: "acme" }, group: { displayName: "PKI Admins" }, grants: [{ service: "certcentral", role: "Manager" }] });
  await k.mapping("dns", { tenantRef: { name: "acme" }, group: { externalId: "ext-dns" }, grants: [{ service: "dns", role: "Technical" }] });
}

const synced = async (id: string) =>
  eventually(async () => {
    const u = await k.getUser(id);
    expect(condition(u, "Synced")?.status).toBe("True");
    return u;
  });
const sinceNow = () => s.sim.calls.calls().at(-1)?.seq ?? 0;
const writesSince = (seq: number, plane?: string) => writes(s.sim.calls.calls({ since: seq, plane }));

describe("DigiCertUser, GroupMapping and ScimTenant controllers", () => {
  it("gives a new hire in two mapped groups both services' roles, and reports it everywhere", async () => {
    await baseline();
    await k.user("u-alice", "acme", { userName: "alice@example.com", groups: [{ value: "g-pki" }, { value: "g-dns" }] });
    const alice = await synced("u-alice");
    expect(serviceState(alice, "certcentral")).toMatchObject({ state: "Provisioned", roles: ["Manager"], remoteId: expect.any(String), lastSyncTime: expect.any(String) });
    expect(serviceState(alice, "dns")).toMatchObject({ state: "Provisioned", roles: ["Technical"] });
    expect(alice.status?.desired).toEqual([{ service: "certcentral", roles: ["Manager"] }, { service: "dns", roles: ["Technical"] }]);
    expect(alice.status?.summary).toEqual({ groups: "DNS Team, PKI Admins", services: "certcentral:Manager, dns:Technical" });
    expect(condition(alice, "Ready")).toMatchObject({ status: "True", observedGeneration: alice.metadata.generation });
    expect(alice.metadata.finalizers).toContain("digicert-access.io/deprovision");
        // The receiver's subtree is untouched by the controller's status writes.
    expect(alice.status?.scim?.userName).toBe("alice@example.com");
    expect(alice.status?.scim?.emails).toEqual([{ value: "alice@example.com", primary: true }]);

    await eventually(async () => {
      const tenant = await k.getTenant("acme");
      expect(tenant.status).toMatchObject({ scimPath: `/scim/v2/${op.ns}/acme`, users: 1, activeUsers: 1, groups: 2 });
      expect(condition(tenant, "CredentialsValid")).toMatchObject({ status: "True", reason: "CredentialsValid" });
      expect(condition(tenant, "Ready")?.status).toBe("True");
    });
    await eventually(async () => {
      const m = await k.getMapping("pki");
      expect(m.status).toMatchObject({ matchedGroup: { displayName: "PKI Admins" }, memberCount: 1 });
      expect(condition(m, "Ready")).toMatchObject({ status: "True" });
    });
    const reasons = (await k.events()).filter((e) => e.involvedObject.name === "u-alice").map((e) => e.reason);
    expect(reasons).toContain("Provisioned");
  });

  it("converges a rename, a mapping change, a removed membership and a deactivation with the minimum calls", async () => {
    await baseline();
    await k.user("u-bob", "acme", { userName: "bob@example.com", groups: [{ value: "g-pki" }, { value: "g-dns" }] });
    await k.user("u-carol", "acme", { userName: "carol@example.com", groups: [{ value: "g-pki" }] });
    await synced("u-bob");
    await synced("u-carol");

    // Rename of a group mapped by externalId: nothing changes in DigiCert, only the GROUPS column.
    let seq = sinceNow();
    await k.renameGroup("g-dns", "Network Team", "ext-dns");
    await eventually(async () => expect((await k.getUser("u-bob")).status?.summary?.groups).toBe("Network Team, PKI Admins"));
    expect(writesSince(seq)).toEqual([]);

    // Mapping change in Git: only bob (the member) is touched: DNS roles are groups, so one
    // membership add and one remove, and nothing for carol or in CertCentral.
    seq = sinceNow();
    await k.patchMapping("dns", { grants: [{ service: "dns", role: "Reporting" }] });
    await eventually(async () => expect(serviceState(await k.getUser("u-bob"), "dns")?.roles).toEqual(["Reporting"]));
    expect(writesSince(seq).map((c) => c.plane)).toEqual(["dns", "dns"]);

    // Removed membership: bob leaves the DNS group; one DNS call takes the access away.
    seq = sinceNow();
    await k.updateUser("u-bob", { userName: "bob@example.com", groups: [{ value: "g-pki" }] });
    await eventually(async () => expect(serviceState(await k.getUser("u-bob"), "dns")?.state).toBe("Disabled"));
    expect(writesSince(seq).map((c) => `${c.plane} ${c.method}`)).toEqual(["dns PATCH"]);
    expect(writesSince(seq, "certcentral")).toEqual([]);

    // Deactivation (policy Disable, no grace): carol loses CertCentral in one call, bob is not touched.
    seq = sinceNow();
    await k.updateUser("u-carol", { userName: "carol@example.com", active: false, deactivatedAt: new Date().toISOString(), groups: [{ value: "g-pki" }] });
    await eventually(async () => expect(["Disabled", "Deleted"]).toContain(serviceState(await k.getUser("u-carol"), "certcentral")?.state));
    expect(writesSince(seq)).toHaveLength(1);
    expect(serviceState(await k.getUser("u-bob"), "certcentral")?.state).toBe("Provisioned");
  });

  it("reports a mapping to an unknown role and an unknown group, a refused key and a missing Secret", async () => {
    await baseline();
    await k.mapping("bad", { tenantRef: { name: "acme" }, group: { displayName: "Nobody" }, grants: [{ service: "dns", role: "Superuser" }] });
    await eventually(async () => {
      const m = await k.getMapping("bad");
      expect(condition(m, "GrantsValid")).toMatchObject({ status: "False", reason: "UnknownRole" });
      expect(condition(m, "Ready")).toMatchObject({ status: "False", reason: "UnknownRole" });
      expect(m.status?.memberCount).toBe(0);
    });
    await k.tenant("wrong-key", tenantSpec(s, { services: [{ service: "dns", credentialsSecretRef: { name: "digicert", key: "certcentral" }, endpoint: s.urls.dns }] }));
    await eventually(async () => expect(condition(await k.getTenant("wrong-key"), "CredentialsValid")).toMatchObject({ status: "False", reason: "AuthenticationFailed" }));
    await k.tenant("no-secret", tenantSpec(s, { scim: { tokenSecretRefs: [{ name: "missing", key: "token" }] } }));
    await eventually(async () => expect(condition(await k.getTenant("no-secret"), "Ready")).toMatchObject({ status: "False", reason: "SecretNotFound" }));
  });
});
