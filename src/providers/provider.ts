/**
 * The one contract every DigiCert backend implements (certcentral/, digicert-one/, dns/,
 * account-scim/). The controller only ever talks to an AccessClient; which HTTP calls, identifiers
 * and error dialects sit behind it is the backend's business.
 *
 * Idempotency (DESIGN invariant 6) is part of the contract: ensureUser looks up before it creates and
 * reconciles an uncertain create (timeout, reset) by looking up again; deleteUser treats "already
 * gone" as success.
 */
import type { ServiceName } from "../api/v1alpha1/services.js";
import { OperatorError } from "../errors.js";
import type { HttpDeps } from "./http/http-client.js";
import type { RateWindow } from "./http/rate-limiter.js";

/** Stable codes of the provider subsystem; callers branch on these, never on messages. */
export const PROVIDER_ERRORS = {
  /** The user (or another named object) does not exist in the service. */
  NOT_FOUND: "PROVIDER_ERR_NOT_FOUND",
  /** The service refused because of a clash (duplicate username, user in another account). */
  CONFLICT: "PROVIDER_ERR_CONFLICT",
  /** Still rate limited after every allowed retry. */
  RATE_LIMITED: "PROVIDER_ERR_RATE_LIMITED",
  /** The credentials were refused (wrong, expired or lacking permission). Never retried. */
  AUTH_FAILED: "PROVIDER_ERR_AUTH_FAILED",
  /** The request was wrong: unknown role or division, bad username, malformed input. Never retried. */
  INVALID_REQUEST: "PROVIDER_ERR_INVALID_REQUEST",
  /** The service did not answer usefully after every retry (5xx, resets, timeouts) or the breaker is open. */
  UNAVAILABLE: "PROVIDER_ERR_UNAVAILABLE",
} as const;
export type ProviderErrorCode = (typeof PROVIDER_ERRORS)[keyof typeof PROVIDER_ERRORS];

/** An error raised by a provider: which service, a stable code, and the response or exception behind it. */
export class ProviderError extends OperatorError {
  constructor(
    readonly service: string,
    code: ProviderErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number; remoteCode?: string },
  ) {
    super(code, `${service}: ${message}`, options);
    this.status = options?.status;
    this.remoteCode = options?.remoteCode;
  }
  /** HTTP status of the response that caused this, when there was one. */
  readonly status: number | undefined;
  /** The service's own error code (e.g. CertCentral's `access_denied|access_denied_invalid_key`). */
  readonly remoteCode: string | undefined;
}

export const isProviderError = (err: unknown, code?: ProviderErrorCode): err is ProviderError =>
  err instanceof ProviderError && (code === undefined || err.code === code);

/** Who the user is, as the IdP says; providers map it onto the service's own fields. */
export interface UserIdentity {
  /** The key the user is matched by in every service (case-insensitive). */
  userName: string;
  email: string;
  givenName: string;
  familyName: string;
  title?: string;
  phone?: string;
}

/** The access one service should grant: role names from its catalog, and CertCentral divisions. */
export interface DesiredAccess {
  roles: string[];
  /** CertCentral only: division names; empty or absent means every division. */
  divisions?: string[];
}

/**
 * What the service holds for a user. `pending` means the service knows the user is coming but
 * cannot take roles yet (CertCentral users managed from the DigiCert account before they activate).
 */
export type RemoteState = "active" | "disabled" | "pending";

export interface RemoteUser {
  remoteId: string;
  userName: string;
  email: string;
  state: RemoteState;
  roles: string[];
  divisions: string[];
}

export interface UserPage {
  users: RemoteUser[];
  /** Pass back to listUsers for the next page; absent on the last page. */
  next?: string;
}

export type EnsureOutcome = "created" | "updated" | "unchanged" | "pending";
export interface EnsureResult {
  outcome: EnsureOutcome;
  /** Absent only when the outcome is pending and the service has no record yet. */
  user?: RemoteUser;
}

/** What disableUser did: a reversible disable, or a delete where the service has nothing reversible. */
export type DisableOutcome = "disabled" | "deleted" | "absent";

export interface Role {
  /** The service's own identifier (CertCentral: numeric id; ONE: uuid; SCIM: group id). */
  id: string;
  name: string;
}

export interface AccessClient {
  readonly service: ServiceName;
  /** Calls a cheap authenticated endpoint; throws AUTH_FAILED with a clear message when refused. */
  validateCredentials(): Promise<void>;
  /** The user's current access, or undefined when the service has no such user. */
  getUser(userName: string): Promise<RemoteUser | undefined>;
  /** One page of every user the service holds, for drift detection without per-user reads. */
  listUsers(cursor?: string): Promise<UserPage>;
  /** Creates or updates the user so that it has exactly `access`. Never creates a duplicate. */
  ensureUser(identity: UserIdentity, access: DesiredAccess): Promise<EnsureResult>;
  /** Takes the user's access away, reversibly where the service allows it. */
  disableUser(userName: string): Promise<DisableOutcome>;
  /** Removes the user from the service; "absent" when it was already gone. */
  deleteUser(userName: string): Promise<"deleted" | "absent">;
  /** The roles this service offers, for validating GroupMappings. */
  roleCatalog(): Promise<Role[]>;
}

/** Everything a backend needs to build a client for one tenant's connection to one service. */
export interface ConnectionSettings {
  service: ServiceName;
  /** The secret value (API key or token), passed as a value; providers never log it. */
  credentials: string;
  /** Base URL; defaults to DigiCert's public endpoint for the service. */
  endpoint?: string;
  /** Client-side rolling windows per credential; defaults to the service's published limits. */
  rateLimits?: RateWindow[];
  /** Backend-specific switches (see each backend's README section), e.g. CertCentral's accountManaged. */
  options?: Record<string, unknown>;
}

export interface ProviderCapabilities {
  /** True when disableUser is reversible in the service; false when it has to delete. */
  reversibleDisable: boolean;
  /** True when grants may carry divisions. */
  divisions: boolean;
  /** True when a user holds at most one role in the service. */
  singleRole: boolean;
}

/** A backend: which services it serves and how to build a client for one of them. */
export interface ServiceProvider {
  /** Backend name, also the folder name under src/providers/. */
  readonly name: string;
  readonly services: readonly ServiceName[];
  readonly capabilities: ProviderCapabilities;
  /** Published client-side limits used when the connection sets none. */
  defaultRateLimits(service: ServiceName): RateWindow[];
  newClient(settings: ConnectionSettings, deps: HttpDeps): AccessClient;
}
