import type { ServiceName } from "../../api/v1alpha1/services.js";

/**
 * Every DigiCert ONE Account Manager fact this backend relies on that the public docs leave open
 * (the Swagger reference is not publicly readable). Verify against
 * https://one.digicert.com/account/docs/swagger-ui/index.html before trusting production behaviour.
 * Confirmed: /account/api/v1/user[/{id}], POST /user, DELETE /user/{id}, GET /role?application_code=,
 * x-api-key, both error dialects, Retry-After on 429/503, bare-array list responses.
 */
export const DIGICERT_ONE_ASSUMPTIONS = {
  /** [I] application_code per manager; only `account_manager` is confirmed. */
  applicationCodes: {
    "trust-lifecycle": "trust_lifecycle",
    "software-trust": "software_trust",
    "document-trust": "document_trust",
    "iot-trust": "iot_trust",
  } satisfies Partial<Record<ServiceName, string>>,
  /** [I] GET /user paging parameters (the list example returns a bare array with no paging shown). */
  paging: { offset: "offset", limit: "limit", pageSize: 100 },
  /** [I] Exact-match lookup parameter on GET /user. */
  usernameQuery: "username",
  /** [I] A user carries `roles: [{id, name, application_code}]` across all managers. */
  userRolesField: "roles",
  /**
   * [I] Update endpoint: PUT /user/{id} with {email, first_name, last_name, roles: [ids]}, replacing
   * the role set across every manager, so a change to one manager re-sends the others' roles.
   */
  updateReplacesAllRoles: true,
  /**
   * [C] Standard users have no documented disable. Disabling access to one manager therefore removes
   * that manager's roles (reversible by granting them again); deleting removes them and deletes the
   * user once no manager's roles remain.
   */
  disableRemovesRoles: true,
  /** [I] 400 `duplicate_error` on POST /user for an existing username (the documented code for duplicate names). */
  duplicateCode: "duplicate_error",
  /** Rate limits are "per API key" but unpublished: none client-side by default; Retry-After paces us. */
  defaultRateLimits: [] as { requests: number; windowMs: number }[],
} as const;

/** [C] DEV-AM-API (US); NL, CH and JP hosts differ only in the host name. */
export const DIGICERT_ONE_DEFAULT_ENDPOINT = "https://one.digicert.com/account/api/v1";
