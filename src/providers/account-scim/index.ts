import type { ProviderRegistry } from "../registry.js";
import { accountScimProvider } from "./provider.js";

export { accountScimProvider } from "./provider.js";
export { ACCOUNT_SCIM_ASSUMPTIONS } from "./assumptions.js";

export function register(registry: ProviderRegistry): void {
  registry.register(accountScimProvider);
}
