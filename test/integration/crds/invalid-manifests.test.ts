import { beforeAll, describe, expect, it } from "vitest";
import { type TestCluster, apiMessage, crdPath, testCluster } from "../../helpers/kube.js";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await testCluster("invalid");
});

const tenant = (spec: Record<string, unknown>) => ({
  kind: "ScimTenant",
  spec: {
    scim: { tokenSecretRefs: [{ name: "tokens", key: "current" }] },
    services: [{ service: "certcentral", credentialsSecretRef: { name: "dc", key: "api-key" } }],
    ...spec,
  },
});
const mapping = (spec: Record<string, unknown>) => ({
  kind: "GroupMapping",
  spec: {
    tenantRef: { name: "acme" },
    group: { displayName: "Web Team" },
    grants: [{ service: "certcentral", role: "Manager" }],
    ...spec,
  },
});
const user = (spec: Record<string, unknown>) => ({ kind: "DigiCertUser", spec: { tenantRef: { name: "acme" }, ...spec } });

// Each row is a mistake a platform engineer could make in Git, and the words the API server must
// answer with so that they can fix it without reading our source.
const cases: { name: string; manifest: { kind: string; spec: Record<string, unknown> }; message: RegExp }[] = [
  {
    name: "grant names an unknown service",
    manifest: mapping({ grants: [{ service: "vault", role: "Admin" }] }),
    message: /spec\.grants\[0\]\.service: Unsupported value: "vault": supported values: "certcentral", "dns"/,
  },
  {
    name: "certcentral role outside the catalog",
    manifest: mapping({ grants: [{ service: "certcentral", role: "Superuser" }] }),
    message: /spec\.grants\[0\]\.role: Invalid value: .*certcentral role must be one of: Administrator, Manager, Finance Manager, Standard User, Limited User/,
  },
  {
    name: "divisions on a service other than certcentral",
    manifest: mapping({ grants: [{ service: "dns", role: "Administrator", divisions: ["Web"] }] }),
    message: /spec\.grants\[0\]\.divisions: Invalid value: .*divisions may only be set on a certcentral grant/,
  },
  {
    name: "group by both displayName and externalId",
    manifest: mapping({ group: { displayName: "Web", externalId: "00g1" } }),
    message: /spec\.group: Invalid value: .*group must name exactly one of displayName or externalId/,
  },
  {
    name: "group with neither displayName nor externalId",
    manifest: mapping({ group: {} }),
    message: /group must name exactly one of displayName or externalId/,
  },
  {
    name: "mapping without grants",
    manifest: mapping({ grants: [] }),
    message: /spec\.grants: Invalid value: 0: spec\.grants in body should have at least 1 items/,
  },
  {
    name: "grant without a role",
    manifest: mapping({ grants: [{ service: "dns", role: "" }] }),
    message: /spec\.grants\[0\]\.role: Invalid value: "": spec\.grants\[0\]\.role in body should be at least 1 chars long/,
  },
  {
    name: "the same service and role granted twice",
    manifest: mapping({ grants: [{ service: "dns", role: "Viewer" }, { service: "dns", role: "Viewer" }] }),
    message: /spec\.grants\[1\]: Duplicate value/,
  },
  {
    name: "mapping without tenantRef",
    manifest: mapping({ tenantRef: undefined }),
    message: /spec\.tenantRef: Required value/,
  },
  {
    name: "priority out of range",
    manifest: mapping({ priority: 5000 }),
    message: /spec\.priority: Invalid value: 5000: spec\.priority in body should be less than or equal to 1000/,
  },
  {
    name: "tenant without any DigiCert service",
    manifest: tenant({ services: [] }),
    message: /spec\.services: Invalid value: .*a ScimTenant must enable at least one DigiCert service in spec\.services/,
  },
  {
    name: "tenant enables the same service twice",
    manifest: tenant({
      services: [
        { service: "dns", credentialsSecretRef: { name: "a", key: "k" } },
        { service: "dns", credentialsSecretRef: { name: "b", key: "k" } },
      ],
    }),
    message: /spec\.services\[1\]: Duplicate value/,
  },
  {
    name: "deprovision mode is neither Disable nor Delete",
    manifest: tenant({ deprovision: { mode: "Wipe" } }),
    message: /spec\.deprovision\.mode: Unsupported value: "Wipe": supported values: "Disable", "Delete"/,
  },
  {
    name: "resync period that is not a duration",
    manifest: tenant({ resyncPeriod: "ten minutes" }),
    message: /spec\.resyncPeriod: Invalid value: "ten minutes": spec\.resyncPeriod in body should match/,
  },
  {
    name: "tenant without a SCIM token",
    manifest: tenant({ scim: { tokenSecretRefs: [] } }),
    message: /spec\.scim\.tokenSecretRefs: Invalid value: 0: spec\.scim\.tokenSecretRefs in body should have at least 1 items/,
  },
  {
    name: "mass-deprovision guard without a threshold",
    manifest: tenant({ deprovision: { guard: { window: "1h" } } }),
    message: /spec\.deprovision\.guard: Invalid value: .*the mass-deprovision guard needs maxDeactivations or maxPercent/,
  },
  {
    name: "guard percentage above 100",
    manifest: tenant({ deprovision: { guard: { maxPercent: 150 } } }),
    message: /spec\.deprovision\.guard\.maxPercent: Invalid value: 150: .*should be less than or equal to 100/,
  },
  {
    name: "Secret key with characters a Secret cannot have",
    manifest: tenant({ scim: { tokenSecretRefs: [{ name: "tokens", key: "bad key!" }] } }),
    message: /spec\.scim\.tokenSecretRefs\[0\]\.key: Invalid value: "bad key!"/,
  },
  {
    name: "service connection without credentials",
    manifest: tenant({ services: [{ service: "dns" }] }),
    message: /spec\.services\[0\]\.credentialsSecretRef: Required value/,
  },
  {
    name: "break-glass override that grants and denies nothing",
    manifest: user({ overrides: { reason: "incident 42" } }),
    message: /spec\.overrides: Invalid value: .*overrides needs extraGrants or denyServices/,
  },
  {
    name: "break-glass override without a reason",
    manifest: user({ overrides: { denyServices: ["dns"] } }),
    message: /spec\.overrides\.reason: Required value/,
  },
  {
    name: "break-glass expiry that is not a timestamp",
    manifest: user({ overrides: { reason: "r", denyServices: ["dns"], expiresAt: "tomorrow" } }),
    message: /spec\.overrides\.expiresAt: Invalid value: "tomorrow": spec\.overrides\.expiresAt in body must be of type date-time/,
  },
];

describe("invalid manifests are rejected by the API server with an actionable message", () => {
  it("has at least 15 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)("$name", async ({ manifest, message }) => {
    const name = `bad-${cases.findIndex((c) => c.manifest === manifest)}`;
    const body = { apiVersion: "digicert-access.io/v1alpha1", kind: manifest.kind, metadata: { name }, spec: JSON.parse(JSON.stringify(manifest.spec)) };
    const err = await cluster.custom
      .createNamespacedCustomObject({ ...crdPath(manifest.kind), namespace: cluster.namespace, body })
      .then(() => undefined, (e: unknown) => e);
    expect(err, "the API server accepted an invalid manifest").toBeDefined();
    expect(apiMessage(err)).toMatch(message);
  });
});
