import { PROVIDER_ERRORS, ProviderError, type Role } from "../provider.js";

/** DNS "roles" are user groups [I]: names to group ids, case-insensitive. */
export function groupIdsOf(names: string[], catalog: Role[]): string[] {
  return names.map((name) => {
    const hit = catalog.find((g) => g.name.toLowerCase() === name.toLowerCase());
    if (!hit) throw new ProviderError("dns", PROVIDER_ERRORS.INVALID_REQUEST, `unknown DNS user group ${JSON.stringify(name)}; known: ${catalog.map((g) => g.name).join(", ")}`);
    return hit.id;
  });
}
