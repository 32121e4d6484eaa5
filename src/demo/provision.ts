import type { DigiCertUser } from "../api/v1alpha1/index.js";
import { findCondition } from "../api/v1alpha1/index.js";

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** The people and groups the demo pushes, in the order and shape Okta sends them. */
export const DEMO_PEOPLE = [
  { userName: "ada.lovelace@acme.example", givenName: "Ada", familyName: "Lovelace", groups: ["PKI Admins"] },
  { userName: "grace.hopper@acme.example", givenName: "Grace", familyName: "Hopper", groups: ["Web Team", "Legal"] },
  { userName: "linus.t@acme.example", givenName: "Linus", familyName: "Torvalds", groups: ["Release Engineering"] },
];
export const DEMO_GROUPS = [
  { displayName: "PKI Admins" },
  { displayName: "Web Team" },
  { displayName: "Legal" },
  { displayName: "Release Engineering", externalId: "00g1release0eng" },
];

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: { id?: string; detail?: string; Resources?: { id?: string }[] } }>;

/** A SCIM client for one tenant's base URL, with the bearer token; answers are parsed JSON. */
export function scimClient(baseUrl: string, token: string): Call {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json; charset=utf-8", accept: "application/scim+json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as { id?: string }) : {} };
  };
}

const expectStatus = async (what: string, pending: ReturnType<Call>, ok: number[]) => {
  const res = await pending;
  if (!ok.includes(res.status)) throw new Error(`${what}: SCIM answered ${res.status} ${res.body.detail ?? ""}`);
  return res;
};

/**
 * Okta's provisioning sequence for a new app assignment: look the user up by filter and create it
 * (with Okta's password placeholder) only when it is not there yet, as Okta does, so a second run
 * against the same cluster links instead of failing; then push each group (again only if it is
 * missing) and add members with PATCH.
 */
export async function pushOktaSequence(scim: Call): Promise<{ users: number; groups: number }> {
  const ids = new Map<string, string>();
  for (const p of DEMO_PEOPLE) {
    const found = await expectStatus(`looking up ${p.userName}`, scim("GET", `/Users?filter=${encodeURIComponent(`userName eq "${p.userName}"`)}&startIndex=1&count=100`), [200]);
    const existing = found.body.Resources?.[0]?.id;
    const created = existing
      ? undefined
      : await expectStatus(
          `creating ${p.userName}`,
          scim("POST", "/Users", {
            schemas: [USER_SCHEMA],
            userName: p.userName,
            name: { givenName: p.givenName, familyName: p.familyName },
            emails: [{ primary: true, value: p.userName, type: "work" }],
            displayName: `${p.givenName} ${p.familyName}`,
            active: true,
            password: "placeholder-okta-never-stored",
          }),
          [201],
        );
    ids.set(p.userName, existing ?? created?.body.id ?? "");
  }
  for (const g of DEMO_GROUPS) {
    const found = await expectStatus(`looking up group ${g.displayName}`, scim("GET", `/Groups?filter=${encodeURIComponent(`displayName eq "${g.displayName}"`)}&excludedAttributes=members`), [200]);
    const id =
      found.body.Resources?.[0]?.id ??
      (await expectStatus(`pushing group ${g.displayName}`, scim("POST", "/Groups", { schemas: [GROUP_SCHEMA], ...g, members: [] }), [201])).body.id;
    const members = DEMO_PEOPLE.filter((p) => p.groups.includes(g.displayName)).map((p) => ({ value: ids.get(p.userName) }));
    await expectStatus(
      `adding members to ${g.displayName}`,
      scim("PATCH", `/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: members }] }),
      [200, 204],
    );
  }
  return { users: DEMO_PEOPLE.length, groups: DEMO_GROUPS.length };
}

/** True when every user's access has been applied (Synced=True for the current generation). */
export const converged = (users: DigiCertUser[]) =>
  users.length > 0 && users.every((u) => findCondition(u.status?.conditions, "Synced")?.status === "True");

/** "Who has what": one row per user and service, from the users' status. */
export function accessTable(users: DigiCertUser[]): string {
  const rows: string[][] = [["USER", "ACTIVE", "SERVICE", "ROLES", "STATE", "SYNCED"]];
  for (const u of [...users].sort((a, b) => (a.status?.scim?.userName ?? "").localeCompare(b.status?.scim?.userName ?? ""))) {
    const synced = findCondition(u.status?.conditions, "Synced")?.status ?? "Unknown";
    const services = u.status?.services ?? [];
    if (services.length === 0) rows.push([u.status?.scim?.userName ?? u.metadata.name, String(u.status?.scim?.active ?? ""), "-", "-", "-", synced]);
    for (const s of services) {
      const roles = [...(s.roles ?? []), ...(s.divisions?.length ? [`(divisions: ${s.divisions.join(", ")})`] : [])].join(", ");
      rows.push([u.status?.scim?.userName ?? u.metadata.name, String(u.status?.scim?.active ?? ""), s.service, roles || "-", s.state, synced]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
