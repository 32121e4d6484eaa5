import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.js";
import { condition, serviceState, tenantSpec, useOperator, writes } from "./harness.js";

const t = useOperator("ctrl-access");

/** A tenant, two groups and two mappings: PKI admins -> CertCentral Manager, DNS team -> DNS Technical. */
async function baseline(over: Record<string, unknown> = {}) {
  await t.k.tenant("acme", tenantSpec(t.s, over));
  await t.k.group("g-pki", "acme", "PKI Admins", "ext-pki");
  await t.k.group("g-dns", "acme", "DNS Team", "ext-dns");
  await t.k.mapping("pki", { tenantRef: { name: "acme" }, group: { displayName: "PKI Admins" }, grants: [{ service: "certcentral", role: "Manager" }] });
  await t.k.mapping("dns", { tenantRef: { name: "acme" }, group: { externalId: "ext-dns" }, grants: [{ service: "dns", role: "Technical" }] });
}

// Every user here is in a mapped group: Synced with nothing desired is an early pass that ran before
// the mappings were cached, not convergence.
const synced = async (id: string) =>
  eventually(async () => {
    const u = await t.k.getUser(id);
    expect(condition(u, "Synced")?.status).toBe("True");
    expect(u.status?.desired?.length).toBeGreaterThan(0);
    for (const d of u.status?.desired ?? []) expect(serviceState(u, d.service)?.state).toBe("Provisioned");
    return u;
  });
const sinceNow = () => t.s.sim.calls.calls().at(-1)?.seq ?? 0;
const writesSince = (seq: number, plane?: string) => writes(t.s.sim.calls.calls({ since: seq, plane }));

describe("DigiCertUser, GroupMapping and ScimTenant controllers", () => {
  it("gives a new hire in two mapped groups both services' roles, and reports it everywhere", async () => {
    await baseline();
    await t.k.user("u-alice", "acme", { userName: "alice@example.com", groups: [{ value: "g-pki" }, { value: "g-dns" }] });
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
      const tenant = await t.k.getTenant("acme");
      expect(tenant.status).toMatchObject({ scimPath: `/scim/v2/${t.op.ns}/acme`, users: 1, activeUsers: 1, groups: 2 });
      expect(condition(tenant, "CredentialsValid")).toMatchObject({ status: "True", reason: "CredentialsValid" });
      expect(condition(tenant, "Ready")?.status).toBe("True");
    });
    await eventually(async () => {
      const m = await t.k.getMapping("pki");
      expect(m.status).toMatchObject({ matchedGroup: { displayName: "PKI Admins" }, memberCount: 1 });
      expect(condition(m, "Ready")).toMatchObject({ status: "True" });
    });
    const reasons = (await t.k.events()).filter((e) => e.involvedObject.name === "u-alice").map((e) => e.reason);
    expect(reasons).toContain("Provisioned");
  });

  it("converges a rename, a mapping change, a removed membership and a deactivation with the minimum calls", async () => {
    await baseline();
    await t.k.user("u-bob", "acme", { userName: "bob@example.com", groups: [{ value: "g-pki" }, { value: "g-dns" }] });
    await t.k.user("u-carol", "acme", { userName: "carol@example.com", groups: [{ value: "g-pki" }] });
    await synced("u-bob");
    await synced("u-carol");

    // Rename of a group mapped by externalId: nothing changes in DigiCert, only the GROUPS column.
    let seq = sinceNow();
    await t.k.renameGroup("g-dns", "Network Team", "ext-dns");
    await eventually(async () => expect((await t.k.getUser("u-bob")).status?.summary?.groups).toBe("Network Team, PKI Admins"));
    expect(writesSince(seq)).toEqual([]);

    // Mapping change in Git: only bob (the member) is touched: DNS roles are groups, so one
    // membership add and one remove, and nothing for carol or in CertCentral.
    seq = sinceNow();
    await t.k.patchMapping("dns", { grants: [{ service: "dns", role: "Reporting" }] });
    await eventually(async () => expect(serviceState(await t.k.getUser("u-bob"), "dns")?.roles).toEqual(["Reporting"]));
    expect(writesSince(seq).map((c) => c.plane)).toEqual(["dns", "dns"]);

    // Removed membership: bob leaves the DNS group; one DNS call takes the access away.
    seq = sinceNow();
    await t.k.updateUser("u-bob", { userName: "bob@example.com", groups: [{ value: "g-pki" }] });
    await eventually(async () => expect(serviceState(await t.k.getUser("u-bob"), "dns")?.state).toBe("Disabled"));
    expect(writesSince(seq).map((c) => `${c.plane} ${c.method}`)).toEqual(["dns PATCH"]);
    expect(writesSince(seq, "certcentral")).toEqual([]);

    // Deactivation (policy Disable, no grace): carol loses CertCentral in one call, bob is not touched.
    seq = sinceNow();
    await t.k.updateUser("u-carol", { userName: "carol@example.com", active: false, deactivatedAt: new Date().toISOString(), groups: [{ value: "g-pki" }] });
    await eventually(async () => expect(["Disabled", "Deleted"]).toContain(serviceState(await t.k.getUser("u-carol"), "certcentral")?.state));
    expect(writesSince(seq)).toHaveLength(1);
    expect(serviceState(await t.k.getUser("u-bob"), "certcentral")?.state).toBe("Provisioned");
  });

  it("reports a mapping to an unknown role and an unknown group, a refused key (then fixed by rotating the Secret) and a missing Secret", async () => {
    await baseline();
    await t.k.mapping("bad", { tenantRef: { name: "acme" }, group: { displayName: "Nobody" }, grants: [{ service: "dns", role: "Superuser" }] });
    await eventually(async () => {
      const m = await t.k.getMapping("bad");
      expect(condition(m, "GrantsValid")).toMatchObject({ status: "False", reason: "UnknownRole" });
      expect(condition(m, "Ready")).toMatchObject({ status: "False", reason: "UnknownRole" });
      expect(m.status?.memberCount).toBe(0);
    });
    await t.k.tenant("wrong-key", tenantSpec(t.s, { services: [{ service: "dns", credentialsSecretRef: { name: "digicert", key: "certcentral" }, endpoint: t.s.urls.dns }] }));
    await eventually(async () => expect(condition(await t.k.getTenant("wrong-key"), "CredentialsValid")).toMatchObject({ status: "False", reason: "AuthenticationFailed" }));
    // Rotating the Secret to the right key is picked up without touching the tenant.
    await t.op.client.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${t.op.ns}/secrets/digicert`,
      contentType: "application/merge-patch+json",
      body: { stringData: { certcentral: t.s.sim.options.dns.apiKeys[0] } },
    });
    await eventually(async () => expect(condition(await t.k.getTenant("wrong-key"), "CredentialsValid")).toMatchObject({ status: "True", reason: "CredentialsValid" }));
    await t.k.tenant("no-secret", tenantSpec(t.s, { scim: { tokenSecretRefs: [{ name: "missing", key: "token" }] } }));
    await eventually(async () => expect(condition(await t.k.getTenant("no-secret"), "Ready")).toMatchObject({ status: "False", reason: "SecretNotFound" }));
  });
});
