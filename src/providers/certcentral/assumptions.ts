/**
 * Every CertCentral fact this backend relies on that DigiCert's public docs leave open. Each one is
 * marked in the README; verify them against a live account before trusting production behaviour.
 * Confirmed facts (paths, X-DC-DEVKEY, 403 for an invalid key, role ids 1-5, offset/limit paging,
 * destructive container assignments) are used directly in client.ts.
 */
export const CERTCENTRAL_ASSUMPTIONS = {
  /** [I] Largest `limit` GET /user accepts (the docs truncate the number; 1000 is common). */
  pageLimit: 1000,
  /**
   * [I] The 400 codes for a duplicate username are not published, so any 400 on POST /user is
   * treated as "maybe a duplicate": we look the user up once and only report the error if the user
   * is still absent.
   */
  createMayBeDuplicateStatus: 400,
  /**
   * [I] CertCentral has no documented deactivate endpoint; offboarding seen in public code is
   * DELETE. disableUser therefore revokes the user's API keys and deletes (capability
   * reversibleDisable=false); re-enabling is a fresh create from the IdP's data.
   */
  disableDeletes: true,
  /**
   * [I] In DigiCert-account-managed CertCentral, granting a role (PUT /user/{id}/role) is how an
   * admin approves a user waiting in the pending state.
   */
  roleApprovesPendingUser: true,
  /** [I] User status vocabulary beyond "active"; "pending" marks a user awaiting approval. */
  pendingStatus: "pending",
} as const;

/** [C] DEV-CC-SVC */
export const CERTCENTRAL_DEFAULT_ENDPOINT = "https://www.digicert.com/services/v2";
