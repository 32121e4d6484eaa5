/**
 * The SCIM schema model (RFC 7643 §2, §7): one definition per attribute, with the characteristics
 * the filter, PATCH, PUT, projection and /Schemas all read. Attribute names are matched without
 * regard to case everywhere (RFC 7643 §2.1); the definitions carry the canonical spelling.
 */
export type AttrType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: "none" | "server" | "global";
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttrDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttrDef[];
}

type Opts = Partial<Omit<AttrDef, "name" | "type" | "description">>;

const attr = (name: string, type: AttrType, description: string, opts: Opts = {}): AttrDef => ({
  name,
  type,
  description,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...opts,
});

const str = (name: string, description: string, opts: Opts = {}) => attr(name, "string", description, opts);

/** The sub-attributes every multi-valued attribute of the core User schema has (RFC 7643 §2.4). */
const multiValuedSubs = (valueType: AttrType, types: string[]): AttrDef[] => [
  attr("value", valueType, "The attribute's significant value."),
  str("display", "A human-readable name, primarily used for display purposes."),
  str("type", "A label indicating the attribute's function.", { canonicalValues: types }),
  attr("primary", "boolean", "Whether this value is the preferred one; at most one value is primary."),
];

const multi = (name: string, description: string, types: string[], valueType: AttrType = "string") =>
  attr(name, "complex", description, { multiValued: true, subAttributes: multiValuedSubs(valueType, types) });

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export const ID_ATTR = str("id", "Unique identifier issued by the service provider.", {
  caseExact: true,
  mutability: "readOnly",
  returned: "always",
  uniqueness: "server",
});
export const EXTERNAL_ID_ATTR = str("externalId", "Identifier issued by the provisioning client.", { caseExact: true });
export const META_ATTR = attr("meta", "complex", "Resource metadata.", {
  mutability: "readOnly",
  subAttributes: [
    str("resourceType", "The name of the resource type.", { caseExact: true, mutability: "readOnly" }),
    attr("created", "dateTime", "When the resource was added.", { mutability: "readOnly" }),
    attr("lastModified", "dateTime", "When the resource was last changed.", { mutability: "readOnly" }),
    attr("location", "reference", "The URI of the resource.", { caseExact: true, mutability: "readOnly", referenceTypes: ["uri"] }),
    str("version", "The version (ETag) of the resource.", { caseExact: true, mutability: "readOnly" }),
  ],
});

export const USER: SchemaDef = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: [
    str("userName", "Unique identifier for the user, unique per tenant regardless of case.", { required: true, uniqueness: "server" }),
    attr("name", "complex", "The components of the user's name.", {
      subAttributes: [
        str("formatted", "The full name, formatted for display."),
        str("familyName", "The family name."),
        str("givenName", "The given name."),
        str("middleName", "The middle name(s)."),
        str("honorificPrefix", "The honorific prefix(es)."),
        str("honorificSuffix", "The honorific suffix(es)."),
      ],
    }),
    str("displayName", "The name of the user, suitable for display."),
    str("nickName", "The casual way to address the user."),
    attr("profileUrl", "reference", "A URI of the user's online profile.", { referenceTypes: ["external"] }),
    str("title", "The user's title."),
    str("userType", "The relationship between the organization and the user."),
    str("preferredLanguage", "The user's preferred written or spoken language."),
    str("locale", "The user's default location for localization."),
    str("timezone", "The user's time zone in IANA format."),
    attr("active", "boolean", "The user's administrative status."),
    str("password", "Accepted and discarded: this service provider never stores passwords.", {
      mutability: "writeOnly",
      returned: "never",
    }),
    multi("emails", "Email addresses for the user.", ["work", "home", "other"]),
    multi("phoneNumbers", "Phone numbers for the user.", ["work", "home", "mobile", "fax", "pager", "other"]),
    multi("ims", "Instant messaging addresses for the user.", ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
    multi("photos", "URLs of photos of the user.", ["photo", "thumbnail"], "reference"),
    attr("addresses", "complex", "Physical mailing addresses for the user.", {
      multiValued: true,
      subAttributes: [
        str("formatted", "The full mailing address."),
        str("streetAddress", "The full street address."),
        str("locality", "The city or locality."),
        str("region", "The state or region."),
        str("postalCode", "The zip code or postal code."),
        str("country", "The country name."),
        str("type", "A label indicating the address's function.", { canonicalValues: ["work", "home", "other"] }),
        attr("primary", "boolean", "Whether this is the preferred address."),
      ],
    }),
    attr("groups", "complex", "Groups the user belongs to; managed through the Group resource.", {
      multiValued: true,
      mutability: "readOnly",
      subAttributes: [
        str("value", "The id of the group.", { mutability: "readOnly" }),
        attr("$ref", "reference", "The URI of the group.", { mutability: "readOnly", referenceTypes: ["Group"] }),
        str("display", "The group's displayName.", { mutability: "readOnly" }),
        str("type", "direct or indirect.", { mutability: "readOnly", canonicalValues: ["direct", "indirect"] }),
      ],
    }),
    multi("entitlements", "Entitlements of the user.", []),
    multi("roles", "Roles of the user.", []),
  ],
};

export const ENTERPRISE_USER: SchemaDef = {
  id: ENTERPRISE_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
    str("costCenter", "Identifies the name of a cost center."),
    str("organization", "Identifies the name of an organization."),
    str("division", "Identifies the name of a division."),
    str("department", "Identifies the name of a department."),
    attr("manager", "complex", "The user's manager.", {
      subAttributes: [
        str("value", "The id of the manager's User resource."),
        attr("$ref", "reference", "The URI of the manager's User resource.", { referenceTypes: ["User"] }),
        str("displayName", "The displayName of the manager.", { mutability: "readOnly" }),
      ],
    }),
  ],
};

export const GROUP: SchemaDef = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: [
    str("displayName", "A human-readable name for the group, unique per tenant.", { required: true, uniqueness: "server" }),
    attr("members", "complex", "Members of the group (users only; nested groups are not supported).", {
      multiValued: true,
      subAttributes: [
        str("value", "The id of the member.", { caseExact: true, mutability: "immutable" }),
        attr("$ref", "reference", "The URI of the member.", { mutability: "immutable", referenceTypes: ["User"] }),
        str("display", "The member's display name.", { mutability: "readOnly" }),
        str("type", "The type of the member.", { mutability: "immutable", canonicalValues: ["User"] }),
      ],
    }),
  ],
};

const SCHEMAS_ATTR = attr("schemas", "reference", "The schema URNs the resource conforms to.", {
  multiValued: true,
  caseExact: false,
  mutability: "readOnly",
  returned: "always",
  referenceTypes: ["uri"],
});

/** Attributes every resource has (RFC 7643 §3.1), outside any schema URN. */
export const COMMON_ATTRIBUTES: AttrDef[] = [SCHEMAS_ATTR, ID_ATTR, EXTERNAL_ID_ATTR, META_ATTR];

export const findAttr = (list: readonly AttrDef[] | undefined, name: string): AttrDef | undefined => {
  const lower = name.toLowerCase();
  return list?.find((a) => a.name.toLowerCase() === lower);
};
