import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { MAPPED_GROUPS, condition, getUser, oktaAddMembers, oktaAssign, oktaPushGroup, remote, serviceState, useSingleReplica } from "../helpers/e2e.js";

const t = useSingleReplica("e2e-outage");

describe("DigiCert DNS down for a while", () => {
  it("says why in status, loses nothing pushed meanwhile, and converges when DNS returns", async () => {
    const { idp, stack } = t;
    const outage = stack.s.sim.faults.add({ plane: "dns", kind: "outage" });
    const first = await oktaAssign(idp, "first@example.com");
    const pki = await oktaPushGroup(idp, MAPPED_GROUPS.pki, [first]);
    const dns = await oktaPushGroup(idp, MAPPED_GROUPS.dns, [first]);

    // CertCentral is served; DNS fails, and the user's status says so.
    await eventually(async () => {
      const u = await getUser(stack, first);
      expect(condition(u, "Synced")).toMatchObject({ status: "False", reason: "ServiceUnavailable" });
      expect(serviceState(u, "dns")).toMatchObject({ state: "Failed", roles: ["Technical"], message: expect.stringContaining("PROVIDER_ERR_UNAVAILABLE") });
      expect(serviceState(u, "certcentral")).toMatchObject({ state: "Provisioned", roles: ["Manager"] });
    });
    expect(remote(stack).dns()).toEqual([]);
    expect(outage.hits).toBeGreaterThan(0);

    // The IdP keeps pushing during the outage; the receiver accepts it all.
    const second = await oktaAssign(idp, "second@example.com");
    await oktaAddMembers(idp, pki, [second]);
    await oktaAddMembers(idp, dns, [second]);
    await eventually(async () => expect(condition(await getUser(stack, second), "Synced")).toMatchObject({ status: "False", reason: "ServiceUnavailable" }));

    stack.s.sim.faults.remove(outage.id);
    for (const id of [first, second]) {
      await eventually(async () => {
        const u = await getUser(stack, id);
        expect(condition(u, "Synced")).toMatchObject({ status: "True", reason: expect.any(String) });
        expect(serviceState(u, "dns")).toMatchObject({ state: "Provisioned", roles: ["Technical"] });
      }, 30_000);
    }
    expect(
      remote(stack)
        .dns()
        .map((u) => [u.userName, u.status, u.userGroups.map((g) => g.name)])
        .sort(),
    ).toEqual([
      ["first@example.com", "ACTIVE", ["Technical"]],
      ["second@example.com", "ACTIVE", ["Technical"]],
    ]);
    expect(remote(stack).certcentral().map((u) => u.username).sort()).toEqual(["first@example.com", "second@example.com"]);
    // One successful create per user: the retries did not duplicate anything.
    const creates = stack.s.sim.calls.calls({ plane: "dns", route: "POST /dns/accessmanagement/users" }).filter((c) => c.status === 200 || c.status === 201);
    expect(creates).toHaveLength(2);
  });
});
