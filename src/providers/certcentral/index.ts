import type { ProviderRegistry } from "../registry.js";
import { certcentralProvider } from "./provider.js";

export { certcentralProvider, CertCentralOptionsSchema } from "./provider.js";
export { CERTCENTRAL_ASSUMPTIONS } from "./assumptions.js";

export function register(registry: ProviderRegistry): void {
  registry.register(certcentralProvider);
}
