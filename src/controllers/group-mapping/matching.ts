import type { GroupMapping, ScimGroup } from "../../api/v1alpha1/index.js";

/** Does the mapping refer to this ScimGroup? By externalId when given, else by displayName (as desiredAccess decides). */
export function mappingMatches(mapping: Pick<GroupMapping, "spec">, group: ScimGroup): boolean {
  const scim = group.status?.scim;
  if (!scim) return false;
  const wanted = mapping.spec.group;
  return wanted.externalId !== undefined ? scim.externalId === wanted.externalId : scim.displayName === wanted.displayName;
}

/** The tenant's ScimGroups the mapping refers to, oldest name first so the choice is stable. */
export const matchingGroups = (mapping: Pick<GroupMapping, "spec">, groups: readonly ScimGroup[]): ScimGroup[] =>
  groups.filter((g) => mappingMatches(mapping, g)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
