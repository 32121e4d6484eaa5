import { PROVIDER_ERRORS, ProviderError, type Role } from "../provider.js";

/** digicert-account "roles" are DigiCert-account group names: names to group ids, case-insensitive. */
export function groupIdsOf(names: string[], catalog: Role[]): string[] {
  return names.map((name) => {
    const hit = catalog.find((g) => g.name.toLowerCase() === name.toLowerCase());
    if (!hit) {
      throw new ProviderError("digicert-account", PROVIDER_ERRORS.INVALID_REQUEST, `no DigiCert account group named ${JSON.stringify(name)}; known: ${catalog.map((g) => g.name).join(", ")}`);
    }
    return hit.id;
  });
}
