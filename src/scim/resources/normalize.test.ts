import { describe, expect, it } from "vitest";
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from "../schema/attributes.js";
import { GROUP_TYPE, USER_TYPE } from "../schema/resource-types.js";
import { ScimError } from "../scim-error.js";
import { normalizeResource } from "./normalize.js";

const user = (body: Record<string, unknown>) => normalizeResource({ schemas: [USER_SCHEMA], ...body }, USER_TYPE);

describe("normalizeResource", () => {
  it("rewrites attribute names to their canonical spelling, at every level", () => {
    const n = user({ USERNAME: "jane@x.test", Name: { GIVENNAME: "Jane" }, Emails: [{ VALUE: "jane@x.test", Type: "work" }] });
    expect(n.core).toEqual({ userName: "jane@x.test", name: { givenName: "Jane" }, emails: [{ value: "jane@x.test", type: "work" }] });
  });

  it("turns Entra's string booleans into booleans and refuses anything else", () => {
    expect(user({ userName: "a", active: "False" }).core.active).toBe(false);
    expect(user({ userName: "a", active: "true", emails: [{ value: "a@x", primary: "True" }] }).core).toMatchObject({ active: true, emails: [{ primary: true }] });
    expect(() => user({ userName: "a", active: "maybe" })).toThrow(expect.objectContaining({ scimType: "invalidValue" }));
  });

  it("treats null, \"\" and objects of nothing but those as unassigned", () => {
    const n = user({ userName: "a", title: "", nickName: null, addresses: null, name: { givenName: "", familyName: null }, emails: [{ value: "" }], [ENTERPRISE_SCHEMA]: null });
    expect(n).toEqual({ core: { userName: "a" }, extensions: {}, unknown: {} });
  });

  it("drops read-only attributes and Okta's create-time password, never storing them", () => {
    const n = user({ id: "evil", meta: { version: "1" }, userName: "a", groups: [{ value: "g1" }], password: "1mz050nq" });
    expect(n.core).toEqual({ userName: "a" });
    expect(JSON.stringify(n)).not.toContain("1mz050nq");
  });

  it("keeps known extensions under their URN, normalised, and unknown ones as sent; ignores unknown core attributes", () => {
    const n = user({
      userName: "a",
      favouriteColour: "blue",
      [ENTERPRISE_SCHEMA.toUpperCase()]: { DEPARTMENT: "Sales", noSuch: 1 },
      "urn:example:custom:2.0:User": { badge: "B-17" },
    });
    expect(n.core).toEqual({ userName: "a" });
    expect(n.extensions).toEqual({ [ENTERPRISE_SCHEMA]: { department: "Sales" } });
    expect(n.unknown).toEqual({ "urn:example:custom:2.0:User": { badge: "B-17" } });
  });

  it("accepts core attributes nested under the core schema's URN", () => {
    expect(user({ [USER_SCHEMA]: { userName: "a", displayName: "A" } }).core).toEqual({ userName: "a", displayName: "A" });
  });

  it("accepts Entra's manager shapes: a one-element list with $ref null, and a bare id", () => {
    expect(user({ userName: "a", [ENTERPRISE_SCHEMA]: { manager: [{ $ref: null, value: "m1" }] } }).extensions[ENTERPRISE_SCHEMA]).toEqual({ manager: { value: "m1" } });
    expect(user({ userName: "a", [ENTERPRISE_SCHEMA]: { manager: "m2" } }).extensions[ENTERPRISE_SCHEMA]).toEqual({ manager: { value: "m2" } });
    expect(() => user({ userName: "a", [ENTERPRISE_SCHEMA]: { manager: [{ value: "m1" }, { value: "m2" }] } })).toThrow(/single value/);
  });

  it("wraps a single value of a multi-valued attribute in a list", () => {
    expect(user({ userName: "a", emails: { value: "a@x" } }).core.emails).toEqual([{ value: "a@x" }]);
  });

  it.each([
    ["a string for a complex attribute", { name: "Jane" }],
    ["an object for a string", { title: { a: 1 } }],
    ["a non-object extension", { [ENTERPRISE_SCHEMA]: "Sales" }],
    ["a non-object unknown extension", { "urn:example:custom:2.0:User": "x" }],
  ])("refuses %s with invalidValue", (_label, body) => {
    expect(() => user({ userName: "a", ...body })).toThrow(ScimError);
    expect(() => user({ userName: "a", ...body })).toThrow(expect.objectContaining({ scimType: "invalidValue" }));
  });

  it("normalises groups the same way", () => {
    const n = normalizeResource({ DisplayName: "Sales", MEMBERS: [{ Value: "u1", Type: "User" }], id: "g" }, GROUP_TYPE);
    expect(n.core).toEqual({ displayName: "Sales", members: [{ value: "u1", type: "User" }] });
  });
});
