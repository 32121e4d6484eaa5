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
 * create that made it when its externalId equals the stored one (or, when neither has an
 * externalId, when every attribute is equal). A replay answers 201 with the existing user, updated
 * to the request's attributes; anything else is 409 uniqueness.
 */
export function isReplay(prev: ScimUserState | undefined, attrs: UserAttributes): boolean {
  if (!prev) return false;
  if (prev.externalId !== undefined || attrs.externalId !== undefined) return prev.externalId === attrs.externalId;
  const { groups: _g, created: _c, lastModified: _m, deactivatedAt: _d, ...stored } = prev;
  return JSON.stringify(sortKeys(stored)) === JSON.stringify(sortKeys(attrs));
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

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sortKeys) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)])) : v;

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
