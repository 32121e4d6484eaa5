import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupAttributesFrom } from "./resources/group.js";
import { userAttributesFrom } from "./resources/user.js";
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from "./schema/attributes.js";
import { GROUP_TYPE, USER_TYPE } from "./schema/resource-types.js";
import { PATCH_SCHEMA, applyPatch, parsePatchRequest } from "./patch.js";
import { ScimError } from "./scim-error.js";
import type { Json } from "./values.js";

const patchBody = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations });

const user = (): Json => ({
  schemas: [USER_SCHEMA],
  id: "5fc0c238-0000-4000-8000-000000000001",
  userName: "jane@test.com",
  externalId: "00u6a15d23T9AeHhF5d7",
  name: { givenName: "Jane", familyName: "Smith" },
  displayName: "Jane Smith",
  active: true,
  emails: [{ primary: true, type: "work", value: "jane@test.com" }],
  groups: [],
  meta: { resourceType: "User", version: 'W/"1"' },
});

const group = (members: string[] = []): Json => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  id: "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
  displayName: "Test SCIMv2",
  members: members.map((value) => ({ value, display: value })),
});

/** Applies a PATCH body to a user and returns the stored attributes, as the receiver does. */
const patchUser = (body: unknown, before: Json = user()) =>
  userAttributesFrom(applyPatch(before, parsePatchRequest(body, 100), USER_TYPE));
const patchGroup = (body: unknown, before: Json) =>
  groupAttributesFrom(applyPatch(before, parsePatchRequest(body, 100), GROUP_TYPE), { patched: true });

describe("PATCH: every body Okta sends (scim-clients.md §4.3)", () => {
  it("deactivates and reactivates with a path-less value", () => {
    const off = patchUser(patchBody({ op: "replace", value: { active: false } }));
    expect(off.active).toBe(false);
    expect(off.userName).toBe("jane@test.com");
    const on = patchUser(patchBody({ op: "replace", value: { active: true } }), { ...user(), active: false });
    expect(on.active).toBe(true);
  });

  it("renames a group with a path-less value that carries the read-only id", () => {
    const after = patchGroup(
      patchBody({ op: "replace", value: { id: "something-else", displayName: "Renamed" } }),
      group(["u1"]),
    );
    expect(after).toEqual({ displayName: "Renamed", members: ["u1"] });
  });

  it("applies a membership delta: filtered remove, then add", () => {
    const after = patchGroup(
      patchBody(
        { op: "remove", path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
        { op: "add", path: "members", value: [{ value: "23a35c27-23d3-4c03-b4c5-6443c09e7173", display: "test.user@okta.local" }] },
      ),
      group(["89bb1940-b905-4575-9e7f-6f887cfb368e", "u2"]),
    );
    expect(after.members).toEqual(["u2", "23a35c27-23d3-4c03-b4c5-6443c09e7173"]);
  });

  it("treats a filtered remove of a non-member as a no-op", () => {
    const after = patchGroup(patchBody({ op: "remove", path: 'members[value eq "nobody"]' }), group(["u1"]));
    expect(after.members).toEqual(["u1"]);
  });

  it("replaces the whole membership (full push)", () => {
    const after = patchGroup(
      patchBody({ op: "replace", path: "members", value: [{ value: "a", display: "x" }, { value: "b", display: "y" }] }),
      group(["u1", "a"]),
    );
    expect(after.members).toEqual(["a", "b"]);
  });

  it("stores no password from a path-less password sync", () => {
    const after = patchUser(patchBody({ op: "replace", value: { password: "s3cret!" } }));
    expect(JSON.stringify(after)).not.toContain("s3cret");
  });
});

describe("PATCH: every body Entra sends (scim-clients.md §5.3, §5.4), both flag modes", () => {
  it("replaces a filtered email value and a dotted name (capitalised ops)", () => {
    const after = patchUser(
      patchBody(
        { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" },
        { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
      ),
    );
    expect(after.emails).toEqual([{ primary: true, type: "work", value: "updatedEmail@microsoft.com" }]);
    expect(after.name).toEqual({ givenName: "Jane", familyName: "updatedFamilyName" });
  });

  it("creates the work email when a filtered replace matches nothing (upsert)", () => {
    const after = patchUser(
      patchBody({ op: "Replace", path: 'emails[type eq "work"].value', value: "new@contoso.com" }),
      { ...user(), emails: undefined },
    );
    expect(after.emails).toEqual([{ type: "work", value: "new@contoso.com" }]);
  });

  it("creates a mobile phone number with Add on a filtered path", () => {
    const after = patchUser(patchBody({ op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" }));
    expect(after.phoneNumbers).toEqual([{ type: "mobile", value: "+1 555 0100" }]);
  });

  it.each([
    ["legacy string", { op: "Replace", path: "active", value: "False" }],
    ["lower-case string", { op: "replace", path: "active", value: "false" }],
    ["flag mode boolean", { op: "replace", path: "active", value: false }],
    ["Add on a single-valued attribute", { op: "Add", path: "active", value: "False" }],
  ])("disables a user (%s)", (_label, op) => {
    expect(patchUser(patchBody(op)).active).toBe(false);
  });

  it.each([
    ["legacy", { op: "Add", path: "nickName", value: "Babs" }],
    ["flag mode", { op: "add", path: "nickName", value: "Babs" }],
  ])("adds a single string (%s)", (_label, op) => {
    expect(patchUser(patchBody(op)).nickName).toBe("Babs");
  });

  it("replaces several attributes in one op per attribute (legacy)", () => {
    const after = patchUser(
      patchBody(
        { op: "Replace", path: "displayName", value: "Bjfe" },
        { op: "Replace", path: 'emails[type eq "work"].value', value: "bjfe@contoso.com" },
        { op: "Replace", path: "name.givenName", value: "Kkom" },
        { op: "Replace", path: "name.familyName", value: "Unua" },
        { op: "Replace", path: "externalId", value: "ext-2" },
        { op: "Replace", path: `${ENTERPRISE_SCHEMA}:employeeNumber`, value: "Aklq" },
      ),
    );
    expect(after).toMatchObject({
      displayName: "Bjfe",
      externalId: "ext-2",
      name: { givenName: "Kkom", familyName: "Unua" },
      emails: [{ type: "work", value: "bjfe@contoso.com" }],
      enterprise: { employeeNumber: "Aklq" },
    });
  });

  it("replaces several attributes with dotted and URN keys in a path-less value (flag mode)", () => {
    const after = patchUser(
      patchBody(
        { op: "replace", path: 'emails[type eq "work"].value', value: "bjfe@contoso.com" },
        {
          op: "replace",
          value: { displayName: "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua", [`${ENTERPRISE_SCHEMA}:employeeNumber`]: "Aklq" },
        },
      ),
    );
    expect(after).toMatchObject({
      displayName: "Bjfe",
      name: { givenName: "Kkom", familyName: "Unua" },
      enterprise: { employeeNumber: "Aklq" },
    });
    expect(Object.keys(after)).not.toContain("name.givenName");
  });

  it("sets, changes and clears the manager", () => {
    const set = patchUser(patchBody({ op: "Add", path: "manager", value: [{ $ref: null, value: "m1" }] }));
    expect(set.enterprise?.manager).toEqual({ value: "m1" });
    const viaUrn = patchUser(patchBody({ op: "add", path: `${ENTERPRISE_SCHEMA}:manager`, value: { value: "m2" } }));
    expect(viaUrn.enterprise?.manager).toEqual({ value: "m2" });
    const changed = patchUser(patchBody({ op: "Replace", path: `${ENTERPRISE_SCHEMA}:manager`, value: "m3" }), {
      ...user(),
      [ENTERPRISE_SCHEMA]: { manager: { value: "m1" } },
    });
    expect(changed.enterprise?.manager).toEqual({ value: "m3" });
    const cleared = patchUser(patchBody({ op: "Replace", path: `${ENTERPRISE_SCHEMA}:manager`, value: "" }), {
      ...user(),
      [ENTERPRISE_SCHEMA]: { manager: { value: "m1" } },
    });
    expect(cleared.enterprise?.manager).toBeUndefined();
  });

  it("clears optional attributes sent as empty string, then null (validator)", () => {
    const withTitle = { ...user(), title: "Boss" };
    expect(patchUser(patchBody({ op: "replace", path: "title", value: "" }), withTitle).title).toBeUndefined();
    expect(patchUser(patchBody({ op: "replace", path: "title", value: null }), withTitle).title).toBeUndefined();
  });

  const work = { primary: true, type: "work", value: "jane@test.com" };
  const home = { type: "home", value: "h@x" };
  const hq = { type: "work", streetAddress: "1 Main St", locality: "Springfield" };
  it.each([
    ['"" on a matching filtered value', "Replace", 'emails[type eq "work"].value', "", [work, home], "emails", [home]],
    ["null on a matching filtered value", "Replace", 'emails[type eq "work"].value', null, [work], "emails", undefined],
    ['"" with Add on a matching filtered value', "Add", 'emails[type eq "work"].value', "", [work], "emails", undefined],
    ['"" when nothing matches (no upsert)', "Replace", 'emails[type eq "work"].value', "", [home], "emails", [home]],
    ["null when the attribute is absent (no upsert)", "Replace", 'phoneNumbers[type eq "mobile"].value', null, undefined, "phoneNumbers", undefined],
    ['"" on one sub-attribute keeps the rest of the element', "Replace", 'addresses[type eq "work"].streetAddress', "", [hq], "addresses", [{ type: "work", locality: "Springfield" }]],
    ["null on a filtered element", "Replace", 'emails[type eq "home"]', null, [work, home], "emails", [work]],
  ])("unassigns with %s (RFC 7644 §3.5.2, validator)", (_label, op, path, value, before, attr, expected) => {
    const after = patchUser(patchBody({ op, path, value }), { ...user(), [attr]: before });
    expect(after[attr as "emails"]).toEqual(expected);
  });

  it("adds members with $ref null and ignores duplicates", () => {
    const after = patchGroup(
      patchBody({ op: "Add", path: "members", value: [{ $ref: null, value: "f648f8d5ea4e4cd38e9c" }, { value: "u1" }] }),
      group(["u1"]),
    );
    expect(after.members).toEqual(["u1", "f648f8d5ea4e4cd38e9c"]);
  });

  it("removes members with a value array (legacy), never all of them", () => {
    const after = patchGroup(patchBody({ op: "Remove", path: "members", value: [{ value: "u1091" }] }), group(["u1", "u1091", "u2"]));
    expect(after.members).toEqual(["u1", "u2"]);
  });

  it("removes a member by filter (flag mode)", () => {
    const after = patchGroup(patchBody({ op: "remove", path: 'members[value eq "7f4bc1a3"]' }), group(["7f4bc1a3", "u2"]));
    expect(after.members).toEqual(["u2"]);
  });

  it("removes all members with a bare remove", () => {
    expect(patchGroup(patchBody({ op: "remove", path: "members" }), group(["a", "b"])).members).toEqual([]);
  });

  it("renames a group with Replace displayName", () => {
    expect(patchGroup(patchBody({ op: "Replace", path: "displayName", value: "New" }), group()).displayName).toBe("New");
  });

  it("matches a quoted string boolean inside a path filter", () => {
    const before = { ...user(), roles: [{ value: "admin", primary: true, display: "Admin" }] };
    const after = patchUser(patchBody({ op: "replace", path: 'roles[primary eq "True"].display', value: "Administrator" }), before);
    expect(after.roles).toEqual([{ value: "admin", primary: true, display: "Administrator" }]);
  });

  it("accepts an empty Operations list (validator) as a no-op", () => {
    expect(patchUser(patchBody())).toEqual(userAttributesFrom(user()));
  });
});

describe("PATCH: RFC rules", () => {
  it("ignores read-only attributes instead of overwriting them", () => {
    const doc = applyPatch(user(), parsePatchRequest(patchBody({ op: "replace", path: "id", value: "evil" }), 10), USER_TYPE);
    expect(doc.id).toBe("5fc0c238-0000-4000-8000-000000000001");
    const doc2 = applyPatch(user(), parsePatchRequest(patchBody({ op: "replace", value: { meta: { version: "x" }, groups: [{ value: "g" }] } }), 10), USER_TYPE);
    expect(doc2.meta).toEqual(user().meta);
    expect(doc2.groups).toEqual([]);
  });

  it("refuses to change an immutable member value (mutability)", () => {
    const op = patchBody({ op: "replace", path: 'members[value eq "a"].value', value: "b" });
    expect(() => patchGroup(op, group(["a"]))).toThrow(expect.objectContaining({ scimType: "mutability" }));
  });

  it.each([
    [patchBody({ op: "remove" }), "noTarget"],
    [patchBody({ op: "delete", path: "title" }), "invalidSyntax"],
    [patchBody({ op: "replace", path: "noSuchAttribute", value: "x" }), "invalidPath"],
    [patchBody({ op: "replace", path: 'emails[type eq "work"', value: "x" }), "invalidPath"],
    [patchBody({ op: "replace", path: 'emails[type co "wor"].value', value: "x" }), "noTarget"],
    [{ Operations: [{ op: "replace", value: { active: false } }] }, "invalidSyntax"],
    [patchBody({ op: "replace", path: "active", value: "maybe" }), "invalidValue"],
    [patchBody({ op: "replace", path: "userName", value: "" }), "invalidValue"],
    [patchBody({ op: "replace", value: "not an object" }), "invalidSyntax"],
  ])("rejects %j with %s", (body, scimType) => {
    expect(() => patchUser(body, { ...user(), emails: [{ type: "home", value: "h@x" }] })).toThrow(expect.objectContaining({ scimType }));
  });

  it("keeps at most one primary value, the newest", () => {
    const after = patchUser(patchBody({ op: "add", path: "emails", value: [{ value: "second@x", type: "home", primary: true }] }));
    expect(after.emails?.map((e) => e.primary)).toEqual([false, true]);
  });
});

describe("PATCH: properties", () => {
  const attrName = fc.constantFrom("displayName", "nickName", "title", "userType", "locale", "name.givenName", "name.familyName");
  const op = fc.oneof(
    fc.record({ op: fc.constantFrom("add", "replace", "Add", "Replace"), path: attrName, value: fc.string({ minLength: 1, maxLength: 20 }) }),
    fc.record({ op: fc.constantFrom("remove", "Remove"), path: attrName }),
    fc.record({ op: fc.constantFrom("replace"), value: fc.record({ active: fc.constantFrom(true, false, "True", "false") }) }),
  );

  it("every sequence of well-formed operations yields a valid user or a ScimError, never a crash", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        try {
          const after = patchUser(patchBody(...ops));
          expect(after.userName).toBe("jane@test.com");
          expect(typeof after.active).toBe("boolean");
        } catch (err) {
          expect(err).toBeInstanceOf(ScimError);
        }
      }),
    );
  });

  it("replace then remove of the same attribute leaves it unset", () => {
    fc.assert(
      fc.property(attrName, fc.string({ minLength: 1, maxLength: 20 }), (path, value) => {
        const after = applyPatch(user(), parsePatchRequest(patchBody({ op: "replace", path, value }, { op: "remove", path }), 10), USER_TYPE);
        const [a, b] = path.split(".");
        expect(b ? (after[a!] as Json | undefined)?.[b] : after[a!]).toBeUndefined();
      }),
    );
  });

  it("arbitrary JSON as a PATCH body never escapes as anything but a ScimError", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (body) => {
        try {
          patchUser(body);
        } catch (err) {
          expect(err).toBeInstanceOf(ScimError);
        }
      }),
    );
  });
});
