import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GROUP_TYPE, USER_TYPE } from "../schema/resource-types.js";
import { matches } from "./evaluate.js";
import { FilterError, parseFilter } from "./parser.js";

// RFC 7643 §8.2's full user, plus the enterprise extension.
const bjensen = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  id: "2819c223-7f76-453a-919d-413861904646",
  externalId: "701984",
  userName: "bjensen@example.com",
  name: { formatted: "Ms. Barbara J Jensen, III", familyName: "O'Malley", givenName: "Barbara" },
  displayName: "Babs Jensen",
  title: "Tour Guide",
  userType: "Employee",
  active: true,
  emails: [
    { value: "bjensen@example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home" },
  ],
  addresses: [{ type: "work", streetAddress: "100 Universal City Plaza", locality: "Hollywood", region: "CA", postalCode: "91608", country: "USA", primary: true }],
  ims: [{ value: "someaimhandle", type: "aim" }],
  roles: [{ value: "admin", primary: true }],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    employeeNumber: "701984",
    department: "Tour Operations",
    manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d", displayName: "John Smith" },
  },
  meta: { resourceType: "User", created: "2010-01-23T04:56:22Z", lastModified: "2011-05-13T04:42:34Z" },
};

const f = (text: string, resource: Record<string, unknown> = bjensen) => matches(resource, parseFilter(text, USER_TYPE));

describe("filter: RFC 7644 §3.4.2.2 examples and the IdPs' filters", () => {
  it.each([
    ['userName eq "bjensen@example.com"', true],
    ['userName eq "BJENSEN@EXAMPLE.COM"', true], // userName is caseExact=false (Okta SPEC "case sensitivity check")
    ['USERNAME Eq "bjensen@example.com"', true], // attribute names and operators without regard to case
    ['name.familyName co "O\'Malley"', true],
    ['userName sw "BJ"', true],
    ['userName ew "@example.com"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', false],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b"', true],
    ["title pr", true],
    ["nickName pr", false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true],
    ['meta.created lt "2011-01-01T00:00:00Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr or userType eq "Intern"', true],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', true],
    // correlation: home and bjensen@example.com sit on different elements
    ['emails[type eq "home" and value eq "bjensen@example.com"]', false],
    ['emails.type eq "home" and emails.value eq "bjensen@example.com"', true], // uncorrelated by the RFC's definition
    // Entra: uniqueness on a filtered multi-valued attribute
    ['emails[type eq "work"].value eq "BJensen@example.com"', true],
    ['emails[type eq "home"].value eq "bjensen@example.com"', false],
    // Entra: manager check, enterprise URN path
    ['id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"', true],
    ['id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "someone-else"', false],
    [
      'id eq "2819c223-7f76-453a-919d-413861904646" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"',
      true,
    ],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"', true],
    ['externalId eq "701984"', true],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false], // id is caseExact
    // string booleans inside a filter (pingidentity/scim2#239)
    ['roles[primary eq "True"]', true],
    ["active eq true", true],
    ['active eq "False"', false],
    ["active ne false", true],
    ["not (active eq false)", true],
    ['title eq null', false],
    ['nickName eq null', true],
    // pr on a complex attribute looks at the whole node (RFC 7644 §3.4.2.2 "a non-empty node")
    ["name pr", true],
    ["addresses pr", true],
    ["meta pr", true],
    ["not (name pr)", false],
    ["phoneNumbers pr", false],
    ["name eq null", false],
    ["name ne null", true],
    ["addresses ne null", true],
    ['addresses[type eq "work"]', true],
    ['emails co "example.com"', true], // a comparison still stands for the elements' value
    // precedence: and binds tighter than or
    ['userType eq "Intern" and title pr or active eq true', true],
    ['userType eq "Intern" and (title pr or active eq true)', false],
    ['displayName eq "Sales and Marketing" or displayName eq "Babs Jensen"', true],
    ['displayName eq "escaped \\"quote\\""', false],
  ])("%s → %s", (text, expected) => {
    expect(f(text)).toBe(expected);
  });

  it.each([
    "userName eq jyoung", // unquoted value
    'userName eq "unterminated',
    'userName equals "x"',
    "userName",
    'userName eq "x" and',
    '(userName eq "x"',
    'userName eq "x")',
    'emails[type eq "work"',
    'emails[type eq "work"]].value eq "x"',
    'emails[type eq "work" and ims[type eq "aim"]]',
    'noSuchAttribute eq "x"',
    'name.noSuchSub eq "x"',
    "active gt true",
    'userName co 5',
    'not userName eq "x"',
    "",
    'userName eq "x" ; DROP TABLE users',
    "userName eq 'single quotes'",
    'userName eq "x" || 1==1',
    '$where eq "1"',
  ])("rejects %j with invalidFilter", (text) => {
    expect(() => parseFilter(text, USER_TYPE)).toThrow(FilterError);
  });

  it("rejects filters over the length and depth limits", () => {
    const long = `userName eq "${"a".repeat(5000)}"`;
    expect(() => parseFilter(long, USER_TYPE)).toThrow(/longer than/);
    const deep = `${"(".repeat(40)}title pr${")".repeat(40)}`;
    expect(() => parseFilter(deep, USER_TYPE)).toThrow(/nested/);
  });

  it("filters groups by displayName without regard to case", () => {
    const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: "g1", displayName: "Test SCIMv2", members: [{ value: "u1" }] };
    expect(matches(group, parseFilter('displayName eq "test scimv2"', GROUP_TYPE))).toBe(true);
    expect(matches(group, parseFilter('members[value eq "u1"]', GROUP_TYPE))).toBe(true);
    expect(matches(group, parseFilter('members eq "u2"', GROUP_TYPE))).toBe(false);
  });

  it("treats a complex attribute whose sub-attributes are all empty as not present", () => {
    const blank = { ...bjensen, name: { givenName: "", familyName: null }, addresses: [{ type: "" }] };
    expect(f("name pr", blank)).toBe(false);
    expect(f("addresses pr", blank)).toBe(false);
    expect(f("name eq null", blank)).toBe(true);
  });

  it("keeps the values of unknown extensions filterable", () => {
    const user = { ...bjensen, "urn:example:custom:2.0:User": { badge: "B-17" } };
    expect(f('urn:example:custom:2.0:User:badge eq "b-17"', user)).toBe(true);
  });
});

describe("filter: properties", () => {
  const attrs = ["userName", "displayName", "title", "externalId", "name.givenName", "emails.value"];
  const ops = ["eq", "ne", "co", "sw", "ew", "gt", "lt"];
  const leaf = fc
    .tuple(fc.constantFrom(...attrs), fc.constantFrom(...ops), fc.string({ maxLength: 12 }))
    .map(([a, o, v]) => `${a} ${o} ${JSON.stringify(v)}`);
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.tuple(tie("e"), fc.constantFrom("and", "or"), tie("e")).map(([l, op, r]) => `(${l}) ${op} (${r})`),
      tie("e").map((e) => `not (${e})`),
    ),
  })).e;

  it("parses every well-formed filter and evaluates it without throwing", () => {
    fc.assert(
      fc.property(expr, (text) => {
        const node = parseFilter(text, USER_TYPE, { maxLength: 100_000, maxDepth: 1000 });
        expect(typeof matches(bjensen, node)).toBe("boolean");
      }),
    );
  });

  it("not (x) is the negation of x", () => {
    fc.assert(
      fc.property(expr, (text) => {
        const limits = { maxLength: 100_000, maxDepth: 1000 };
        expect(matches(bjensen, parseFilter(`not (${text})`, USER_TYPE, limits))).toBe(!matches(bjensen, parseFilter(text, USER_TYPE, limits)));
      }),
    );
  });

  it("any string either parses or fails with FilterError, never another error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          parseFilter(text, USER_TYPE);
        } catch (err) {
          expect(err).toBeInstanceOf(FilterError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a quoted value round-trips through the tokenizer, whatever it contains", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const user = { ...bjensen, displayName: value };
        expect(f(`displayName eq ${JSON.stringify(value)}`, user)).toBe(value !== "");
      }),
    );
  });
});
