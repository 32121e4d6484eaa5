/**
 * DigiCert DNS (ex-UltraDNS) facts the public docs leave open. Confirmed: an API key is exchanged at
 * POST /auth/login (key as bearer) for a token valid one hour; users under /accessmanagement/users;
 * group membership via /accessmanagement/usergroups/{id}/members/bulk/add (+ remove). Everything
 * else below is modelled on legacy UltraDNS and must be checked against DigiCert's OpenAPI file.
 */
export const DNS_ASSUMPTIONS = {
  /** [I] Base URL; DigiCert has not published it. Set spec.services[].endpoint for real use. */
  defaultEndpoint: "https://api.dns.digicert.com",
  /** [I] Login response field names. */
  login: { tokenField: "accessToken", expiresInField: "expiresIn" },
  /** Refresh this long before the token's stated expiry, so no request carries a dying token. */
  refreshBeforeExpiryMs: 5 * 60_000,
  /** [I] User fields: userId, userName, email, firstName, lastName, status, userGroups[{id,name}]. */
  statuses: { active: "ACTIVE", disabled: "SUSPENDED" },
  /** [I] Disable = PATCH /accessmanagement/users/{id} {status: SUSPENDED} (reversible). */
  disableByStatus: true,
  /** [I] Paging: offset/limit with resultInfo.totalCount; exact lookup with ?userName=. */
  paging: { pageSize: 500 },
  /** [I] UltraDNS error body [{errorCode, errorMessage}]; 409 on a duplicate userName. */
  errorBody: "ultradns",
  /** [I] "Roles" are user groups (UltraDNS built-ins: Administrative, Reporting, Technical). */
  rolesAreUserGroups: true,
  /** No published limits. */
  defaultRateLimits: [] as { requests: number; windowMs: number }[],
} as const;
