/**
 * The DigiCert account's SCIM 2.0 endpoint: DigiCert publishes how to enable it (base URL and bearer
 * token shown in the admin UI) and its matching rule on username, but not its schema, filters, PATCH
 * support, error bodies or limits. This backend therefore speaks plain RFC 7644; each choice below is
 * an assumption to verify against a live account.
 */
export const ACCOUNT_SCIM_ASSUMPTIONS = {
  /** No public default: the base URL is per account, copied from the admin UI. */
  defaultEndpoint: undefined as string | undefined,
  /** [I] `filter=userName eq "..."` and `filter=displayName eq "..."` are supported. */
  filters: { user: "userName", group: "displayName" },
  /** [I] startIndex/count paging (RFC 7644 §3.4.2.4). */
  pageSize: 100,
  /** [I] The User resource lists its groups in the read-only `groups` attribute (RFC 7643 §4.1.2). */
  userGroupsAttribute: "groups",
  /** [I] Disable = PATCH replace active=false (what Okta does); delete = DELETE /Users/{id}. */
  disableByActiveFalse: true,
  /** [I] 409 with scimType "uniqueness" for duplicates, including a username owned by another account. */
  duplicateStatus: 409,
  /**
   * [C/I] Roles are not SCIM attributes in the newest docs: admins attach roles and service access
   * to DigiCert-account groups, and members inherit. The "roles" of service digicert-account are
   * therefore the names of existing groups; this backend only manages membership, never creates
   * groups.
   */
  rolesAreGroups: true,
  defaultRateLimits: [] as { requests: number; windowMs: number }[],
} as const;

export const SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
