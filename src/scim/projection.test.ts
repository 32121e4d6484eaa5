import { describe, expect, it } from "vitest";
import { project, wantsAttribute } from "./projection.js";
import { ENTERPRISE_SCHEMA, USER_SCHEMA } from "./schema/attributes.js";
import { GROUP_TYPE, USER_TYPE, parseAttrPath, resolvePath, type ResourceType } from "./schema/resource-types.js";
import type { Json } from "./values.js";

const paths = (type: ResourceType, ...texts: string[]) => texts.map((t) => resolvePath(parseAttrPath(t, type), type));
const user = (): Json => ({
  schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
  id: "u1",
  userName: "jane@x.test",
  name: { givenName: "Jane", familyName: "Smith" },
  emails: [
    { value: "jane@x.test", type: "work", primary: true },
    { value: "j@home.test", type: "home" },
  ],
  [ENTERPRISE_SCHEMA]: { department: "Sales", employeeNumber: "7" },
  meta: { resourceType: "User", version: 'W/"3"' },
});

describe("attributes (RFC 7644 §3.9)", () => {
  it("returns only what is named, plus id and schemas, matching names without regard to case", () => {
    expect(project(user(), paths(USER_TYPE, "USERNAME", "name.givenName"))).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
      id: "u1",
      userName: "jane@x.test",
      name: { givenName: "Jane" },
    });
  });

  it("keeps a sub-attribute of every element, elements aligned, and merges two sub-attributes", () => {
    expect(project(user(), paths(USER_TYPE, "emails.value")).emails).toEqual([{ value: "jane@x.test" }, { value: "j@home.test" }]);
    expect(project(user(), paths(USER_TYPE, "emails.value", "emails.type")).emails).toEqual([
      { value: "jane@x.test", type: "work" },
      { value: "j@home.test", type: "home" },
    ]);
  });

  it("reaches into an extension by URN and leaves absent attributes out", () => {
    const out = project(user(), paths(USER_TYPE, `${ENTERPRISE_SCHEMA}:department`, "title"));
    expect(out).toEqual({ schemas: expect.any(Array), id: "u1", [ENTERPRISE_SCHEMA]: { department: "Sales" } });
  });
});

describe("excludedAttributes", () => {
  it("drops what is named, a sub-attribute from every element, and never id or schemas", () => {
    const out = project(user(), undefined, paths(USER_TYPE, "meta", "id", "schemas", "emails.type", `${ENTERPRISE_SCHEMA}:employeeNumber`));
    expect(out).not.toHaveProperty("meta");
    expect(out).toMatchObject({ id: "u1", schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA], [ENTERPRISE_SCHEMA]: { department: "Sales" } });
    expect(out[ENTERPRISE_SCHEMA]).not.toHaveProperty("employeeNumber");
    expect(out.emails).toEqual([{ value: "jane@x.test", primary: true }, { value: "j@home.test" }]);
  });

  it("leaves the rendered resource itself untouched (it may be a cached rendering)", () => {
    const original = user();
    project(original, undefined, paths(USER_TYPE, "emails.type", `${ENTERPRISE_SCHEMA}:department`, "name"));
    expect(original).toEqual(user());
  });

  it("returns the resource as is when nothing is asked", () => {
    const original = user();
    expect(project(original)).toBe(original);
    expect(project(original, [], [])).toBe(original);
  });
});

describe("wantsAttribute", () => {
  it.each([
    ["no parameters", undefined, undefined, true],
    ["attributes without members", ["displayName"], undefined, false],
    ["attributes naming a member sub-attribute", ["members.value"], undefined, true],
    ["excludedAttributes=members", undefined, ["members"], false],
    ["excludedAttributes of a member sub-attribute only", undefined, ["members.display"], true],
  ])("%s → %s", (_label, attributes, excluded, expected) => {
    const a = attributes && paths(GROUP_TYPE, ...attributes);
    const e = excluded && paths(GROUP_TYPE, ...excluded);
    expect(wantsAttribute("members", a, e)).toBe(expected);
  });
});
