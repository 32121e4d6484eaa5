import { describe, expect, it } from "vitest";
import { cachedUser } from "./cached-user.js";

const served = (i: number) =>
  JSON.parse(
    JSON.stringify({
      apiVersion: "digicert-access.io/v1alpha1",
      kind: "DigiCertUser",
      metadata: {
        name: `u-${i}`,
        namespace: "identity",
        uid: `uid-${i}`,
        resourceVersion: String(100 + i),
        generation: 1,
        creationTimestamp: "2026-12-03T10:00:00Z",
        labels: { "scim.digicert-access.io/tenant": "acme" },
        annotations: { note: "x" },
        finalizers: ["digicert-access.io/deprovision"],
        managedFields: [{ manager: "digicert-access-scim", operation: "Apply" }],
      },
      spec: { tenantRef: { name: "acme" } },
      status: {
        scim: {
          userName: `user-${i}@acme.example`,
          active: true,
          title: "Engineer",
          addresses: [{ type: "work", locality: "Zurich", streetAddress: `Street ${i}` }],
          emails: [{ value: `user-${i}@acme.example`, type: "work", primary: true }],
          enterprise: { department: "Engineering", manager: { value: "boss" } },
          groups: [{ value: "g-all" }],
        },
        services: [{ service: "certcentral", state: "Provisioned", roles: ["Standard User"], remoteId: String(i) }],
        conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "", lastTransitionTime: "2026-12-03T10:00:02Z", observedGeneration: 1 }],
      },
    }),
  );

describe("cachedUser", () => {
  it("keeps everything the IdP said, the controller's status and the metadata both consumers act on", () => {
    const obj = served(1);
    const cached = cachedUser(obj);
    // The receiver renders users from the cache, so nothing of status.scim may be lost.
    expect(cached.status?.scim).toEqual(obj.status.scim);
    expect(cached.status?.services).toEqual(obj.status.services);
    expect(cached.status?.conditions).toEqual(obj.status.conditions);
    expect(cached.metadata).toEqual({
      name: "u-1",
      namespace: "identity",
      uid: "uid-1",
      resourceVersion: "101",
      generation: 1,
      creationTimestamp: "2026-12-03T10:00:00Z",
      finalizers: ["digicert-access.io/deprovision"],
    });
  });

  it("shares recurring values between users (one object serves all)", () => {
    const a = cachedUser(served(1));
    const b = cachedUser(served(2));
    expect(b.status!.scim!.groups).toBe(a.status!.scim!.groups);
    expect(b.status!.conditions![0]).toBe(a.status!.conditions![0]);
    expect(b.spec).toBe(a.spec);
    expect(b.status!.scim!.enterprise).not.toBe(a.status!.scim!.enterprise);
    expect(a.status!.scim!.addresses![0]!.streetAddress).toBe("Street 1");
    expect(b.status!.scim!.addresses![0]!.streetAddress).toBe("Street 2");
  });
});
