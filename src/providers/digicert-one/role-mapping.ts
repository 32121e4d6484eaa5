import type { ServiceName } from "../../api/v1alpha1/services.js";
import { PROVIDER_ERRORS, ProviderError, type Role } from "../provider.js";
import { DIGICERT_ONE_ASSUMPTIONS as A } from "./assumptions.js";

/** The Account Manager application_code of one of the four DigiCert ONE services. */
export function applicationCodeOf(service: ServiceName): string {
  const code = (A.applicationCodes as Partial<Record<ServiceName, string>>)[service];
  if (!code) throw new ProviderError(service, PROVIDER_ERRORS.INVALID_REQUEST, `${service} is not a DigiCert ONE manager`);
  return code;
}

/** Role ids for role names (case-insensitive); role ids are per tenant so they come from the catalog. */
export function roleIdsOf(service: ServiceName, names: string[], catalog: Role[]): string[] {
  return names.map((name) => {
    const hit = catalog.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!hit) throw new ProviderError(service, PROVIDER_ERRORS.INVALID_REQUEST, `unknown ${service} role ${JSON.stringify(name)}; known: ${catalog.map((r) => r.name).join(", ")}`);
    return hit.id;
  });
}
