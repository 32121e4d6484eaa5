import { OperatorError } from "../errors.js";

/** Stable codes of the controllers; conditions and Events use them as reasons where they fit. */
export const CONTROLLER_ERRORS = {
  /** A Secret named by a ScimTenant, or the key inside it, does not exist. */
  SECRET_MISSING: "CONTROLLER_ERR_SECRET_MISSING",
  /** A ScimTenant names a service no provider serves, or does not enable the service asked for. */
  SERVICE_NOT_CONFIGURED: "CONTROLLER_ERR_SERVICE_NOT_CONFIGURED",
  /** Applying a user's access failed in a way a retry may fix (DigiCert unavailable, rate limited). */
  SYNC_FAILED: "CONTROLLER_ERR_SYNC_FAILED",
} as const;

export class ControllerError extends OperatorError {}
