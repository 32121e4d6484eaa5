import type { DigiCertUser, Grant, GroupMapping, ScimGroup, ScimTenant, ServiceAccess, ServiceName } from "../../api/v1alpha1/index.js";
import { CERTCENTRAL_PRIVILEGE_ORDER, SINGLE_ROLE_SERVICES } from "../../api/v1alpha1/index.js";

/** Why a user holds a role: the mapping (or override) and the group that granted it. */
export interface AccessSource {
  service: ServiceName;
  role: string;
  /** GroupMapping name, or "override" for a break-glass grant. */
  from: string;
  group?: string;
}

export interface DesiredAccess {
  /** One entry per service the user should have access to, sorted by service; roles sorted. */
  access: ServiceAccess[];
  /** Every grant that contributed, for status and Events ("who has what, and why"). */
  sources: AccessSource[];
  /** Grants that were dropped, with the reason (service not enabled on the tenant, denied by override). */
  ignored: { service: ServiceName; role: string; from: string; reason: "ServiceNotEnabled" | "DeniedByOverride" }[];
}

interface Candidate {
  grant: Grant;
  priority: number;
  from: string;
  group?: string;
}

const OVERRIDE_PRIORITY = Number.POSITIVE_INFINITY;

/** How privileged a role is within a single-role service; unknown roles rank as most privileged. */
function privilege(service: ServiceName, role: string): number {
  const order = service === "certcentral" ? CERTCENTRAL_PRIVILEGE_ORDER : [];
  const rank = order.indexOf(role);
  return rank === -1 ? order.length : rank;
}

/** The ScimGroups a mapping refers to: by externalId, or by displayName when no externalId is given. */
function matches(mapping: GroupMapping, group: ScimGroup): boolean {
  const scim = group.status?.scim;
  if (!scim) return false;
  const wanted = mapping.spec.group;
  return wanted.externalId !== undefined ? scim.externalId === wanted.externalId : scim.displayName === wanted.displayName;
}

/**
 * The access a user should have, as a pure function of what the IdP said about them, the tenant's
 * policy and the tenant's GroupMappings. Inactive users get nothing; a break-glass override adds
 * grants (winning any priority contest) or denies services until it expires.
 */
export function desiredAccess(input: {
  user: DigiCertUser;
  tenant: ScimTenant;
  mappings: readonly GroupMapping[];
  groups: readonly ScimGroup[];
  now: Date;
}): DesiredAccess {
  const { user, tenant, mappings, groups, now } = input;
  const result: DesiredAccess = { access: [], sources: [], ignored: [] };
  if (user.status?.scim?.active !== true) return result;

  const memberOf = new Set((user.status.scim.groups ?? []).map((g) => g.value));
  const userGroups = groups.filter((g) => memberOf.has(g.metadata.name));
  const candidates: Candidate[] = [];
  for (const mapping of mappings) {
    if (mapping.spec.tenantRef.name !== tenant.metadata.name) continue;
    const group = userGroups.find((g) => matches(mapping, g));
    if (!group) continue;
    for (const grant of mapping.spec.grants) {
      candidates.push({ grant, priority: mapping.spec.priority, from: mapping.metadata.name, group: group.status?.scim?.displayName });
    }
  }

  const override = user.spec.overrides;
  const overrideActive = override !== undefined && (override.expiresAt === undefined || new Date(override.expiresAt) > now);
  const denied = new Set<ServiceName>(overrideActive ? (override.denyServices ?? []) : []);
  if (overrideActive) {
    for (const grant of override.extraGrants ?? []) candidates.push({ grant, priority: OVERRIDE_PRIORITY, from: "override" });
  }

  const enabled = new Set(tenant.spec.services.map((s) => s.service));
  const byService = new Map<ServiceName, Candidate[]>();
  for (const c of candidates) {
    const { service, role } = c.grant;
    if (!enabled.has(service) || denied.has(service)) {
      result.ignored.push({ service, role, from: c.from, reason: denied.has(service) ? "DeniedByOverride" : "ServiceNotEnabled" });
      continue;
    }
    byService.set(service, [...(byService.get(service) ?? []), c]);
  }

  for (const service of [...byService.keys()].sort()) {
    const all = byService.get(service) ?? [];
    const winners = SINGLE_ROLE_SERVICES.has(service) ? singleRoleWinners(service, all) : all;
    const roles = [...new Set(winners.map((c) => c.grant.role))].sort();
    const entry: ServiceAccess = { service, roles };
    const divisions = unionDivisions(winners);
    if (divisions) entry.divisions = divisions;
    result.access.push(entry);
    for (const c of winners) result.sources.push({ service, role: c.grant.role, from: c.from, ...(c.group ? { group: c.group } : {}) });
  }
  return result;
}

/**
 * Highest priority wins; among equals the least privileged role; every grant of that role counts.
 * Roles outside the known order rank equal, so a tie between them goes to the first by name: a
 * single-role service never receives two roles, whatever order the mappings come in.
 */
function singleRoleWinners(service: ServiceName, candidates: Candidate[]): Candidate[] {
  const top = Math.max(...candidates.map((c) => c.priority));
  const atTop = candidates.filter((c) => c.priority === top);
  const least = Math.min(...atTop.map((c) => privilege(service, c.grant.role)));
  const leastRoles = atTop.filter((c) => privilege(service, c.grant.role) === least);
  const role = leastRoles.map((c) => c.grant.role).sort()[0];
  return leastRoles.filter((c) => c.grant.role === role);
}

/** A grant without divisions means every division, so it absorbs the others. */
function unionDivisions(winners: Candidate[]): string[] | undefined {
  if (winners.some((c) => c.grant.divisions === undefined)) return undefined;
  return [...new Set(winners.flatMap((c) => c.grant.divisions ?? []))].sort();
}
