import type { ScimUserState } from "../../api/v1alpha1/index.js";
import type { GroupAttributes, ScimGroupState } from "../resources/group.js";
import type { UserAttributes } from "../resources/user.js";
import { ScimError, notFound } from "../scim-error.js";

/** Retries of a precondition-checked write before the store answers 503. */
export const MAX_ATTEMPTS = 8;

export const now = () => new Date().toISOString();
export const precondition = () => new ScimError("SCIM_ERR_PRECONDITION", "the resource changed since the version in If-Match");
export const throwNotFound = (what: string, id: string): never => {
  throw notFound(what, id);
};

export function checkVersion(version: string, ifVersion: string | undefined): void {
  if (ifVersion !== undefined && ifVersion !== version) throw precondition();
}

/**
 * The idempotency rule for a retried create: a POST for a userName that exists is a replay of the
 * create that made it only when the stored user and the request carry the same non-empty
 * externalId. A replay answers 201 with the existing user, updated to the request's attributes;
 * anything else is 409 uniqueness. Without externalIds an identical body is still 409: Okta's
 * conformance suite POSTs the same body twice and expects 409, and a retried create without an
 * externalId cannot be told from a second create. Entra always sends an externalId (so its retry
 * after a lost 201 converges), and Okta looks a user up by filter before it creates one.
 */
export function isReplay(prev: ScimUserState | undefined, attrs: UserAttributes): boolean {
  if (!prev) return false;
  return typeof prev.externalId === "string" && prev.externalId !== "" && prev.externalId === attrs.externalId;
}

/**
 * The same rule for groups: equal externalIds, or, when neither has one, the same displayName and
 * the same members (a POST that would change nothing). Okta pushes groups without an externalId, so
 * a second push of an existing name with other members is 409, never a silent membership rewrite.
 */
export function isGroupReplay(prev: ScimGroupState | undefined, attrs: GroupAttributes, members: string[]): boolean {
  if (!prev) return false;
  if (prev.externalId !== undefined || attrs.externalId !== undefined) return prev.externalId === attrs.externalId;
  const wanted = [...(attrs.members ?? [])].sort();
  return prev.displayName === attrs.displayName && wanted.length === members.length && wanted.every((m, i) => m === members[i]);
}

export function userState(prev: ScimUserState | undefined, attrs: UserAttributes, at: string): ScimUserState {
  const deactivatedAt = attrs.active ? undefined : prev && !prev.active ? (prev.deactivatedAt ?? at) : at;
  return {
    ...attrs,
    ...(prev?.groups?.length ? { groups: prev.groups } : {}),
    created: prev?.created ?? at,
    lastModified: at,
    ...(deactivatedAt ? { deactivatedAt } : {}),
  };
}

export function groupState(prev: ScimGroupState | undefined, attrs: GroupAttributes, at: string): ScimGroupState {
  return {
    displayName: attrs.displayName,
    ...(attrs.externalId !== undefined ? { externalId: attrs.externalId } : {}),
    created: prev?.created ?? at,
    lastModified: at,
  };
}
