import type { ProviderRegistry } from "../registry.js";
import { dnsProvider } from "./provider.js";

export { dnsProvider } from "./provider.js";
export { DNS_ASSUMPTIONS } from "./assumptions.js";

export function register(registry: ProviderRegistry): void {
  registry.register(dnsProvider);
}
