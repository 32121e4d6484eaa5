import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { MAPPED_GROUPS, condition, getUser, lastCall, oktaAddMembers, oktaAssign, oktaPushGroup, remote, serviceState, useSingleReplica, writes } from "../helpers/e2e.js";
import { PATCH_OP } from "../helpers/scim.js";

// An IdP drives the running operator over HTTP; DigiCert ends up as the mappings say.
const t = useSingleReplica("e2e-prov");
const groupIds: Record<keyof typeof MAPPED_GROUPS, string> = { pki: "", dns: "" };

const synced = (id: string) =>
  eventually(async () => {
    const user = await getUser(t.stack, id);
    expect(condition(user, "Synced")).toMatchObject({ status: "True", observedGeneration: user.metadata.generation });
    return user;
  });

/** A user in both mapped groups, converged. */
async function hire(userName: string): Promise<string> {
  const id = await oktaAssign(t.idp, userName);
  await oktaAddMembers(t.idp, groupIds.pki, [id]);
  await oktaAddMembers(t.idp, groupIds.dns, [id]);
  await eventually(async () => expect(serviceState(await synced(id), "dns")?.state).toBe("Provisioned"));
  return id;
}

describe("provisioning through the running operator", () => {
  it("gives a new hire pushed by Okta in two mapped groups both services' roles", async () => {
    const id = await oktaAssign(t.idp, "new.hire@example.com");
    for (const key of ["pki", "dns"] as const) groupIds[key] = await oktaPushGroup(t.idp, MAPPED_GROUPS[key], [id]);

    const user = await eventually(async () => {
      const u = await synced(id);
      expect(serviceState(u, "certcentral")).toMatchObject({ state: "Provisioned", roles: ["Manager"] });
      expect(serviceState(u, "dns")).toMatchObject({ state: "Provisioned", roles: ["Technical"] });
      return u;
    });
    expect(user.status?.summary).toEqual({ groups: "DNS Team, PKI Admins", services: "certcentral:Manager, dns:Technical" });
    expect(condition(user, "Ready")?.status).toBe("True");

    expect(remote(t.stack).certcentral()).toEqual([expect.objectContaining({ username: "new.hire@example.com", access_roles: [expect.objectContaining({ name: "Manager" })] })]);
    expect(remote(t.stack).dns()).toEqual([expect.objectContaining({ userName: "new.hire@example.com", status: "ACTIVE", userGroups: [expect.objectContaining({ name: "Technical" })] })]);
    expect(serviceState(user, "certcentral")?.remoteId).toBe(String(remote(t.stack).certcentral()[0]?.id));

    // What a person sees with kubectl: the printer columns read like an access report.
    const table = await t.stack.cluster.kubectl(["get", "dcu", id, "--no-headers"]);
    expect(table.code).toBe(0);
    expect(table.stdout.trim().split(/\s{2,}/).slice(0, 6)).toEqual([id, "new.hire@example.com", "true", "DNS Team, PKI Admins", "certcentral:Manager, dns:Technical", "True"]);
  });

  it("removes exactly the role of a membership Entra removes (legacy remove shape), in one call", async () => {
    const id = await hire("mover@example.com");
    const since = lastCall(t.stack);
    const res = await t.idp("PATCH", `/Groups/${groupIds.dns}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Remove", path: "members", value: [{ value: id }] }],
    });
    expect(res.status).toBe(204);
    const user = await eventually(async () => {
      const u = await synced(id);
      expect(serviceState(u, "dns")?.state).toBe("Disabled");
      return u;
    });
    expect(serviceState(user, "certcentral")).toMatchObject({ state: "Provisioned", roles: ["Manager"] });
    expect(user.status?.summary).toEqual({ groups: "PKI Admins", services: "certcentral:Manager" });
    expect(remote(t.stack).dns().find((u) => u.userName === "mover@example.com")?.status).toBe("SUSPENDED");
    expect(remote(t.stack).certcentral().find((u) => u.username === "mover@example.com")?.access_roles.map((r) => r.name)).toEqual(["Manager"]);
    expect(writes(t.stack.s.sim.calls.calls({ since })).map((c) => `${c.plane} ${c.method}`)).toEqual(["dns PATCH"]);
  });

  it("deprovisions a user Entra deactivates (active \"False\") per the tenant policy, one call per service", async () => {
    const id = await hire("leaver@example.com");
    const others = { certcentral: remote(t.stack).certcentral().length, dns: remote(t.stack).dns().length };
    const since = lastCall(t.stack);
    const res = await t.idp("PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);

    // Policy Disable (the default): DNS suspends the user; CertCentral has no reversible disable, so it deletes.
    const user = await eventually(async () => {
      const u = await synced(id);
      expect(serviceState(u, "dns")?.state).toBe("Disabled");
      expect(serviceState(u, "certcentral")?.state).toBe("Deleted");
      return u;
    });
    expect(user.status?.scim?.active).toBe(false);
    expect(remote(t.stack).certcentral().map((u) => u.username)).not.toContain("leaver@example.com");
    expect(remote(t.stack).certcentral()).toHaveLength(others.certcentral - 1);
    expect(remote(t.stack).dns().find((u) => u.userName === "leaver@example.com")?.status).toBe("SUSPENDED");
    expect(remote(t.stack).dns()).toHaveLength(others.dns);
    expect(
      writes(t.stack.s.sim.calls.calls({ since }))
        .map((c) => `${c.plane} ${c.method}`)
        .sort(),
    ).toEqual(["certcentral DELETE", "dns PATCH"]);
  });
});
