import type { ProviderRegistry } from "../registry.js";
import { digicertOneProvider } from "./provider.js";

export { digicertOneProvider } from "./provider.js";
export { DIGICERT_ONE_ASSUMPTIONS } from "./assumptions.js";

export function register(registry: ProviderRegistry): void {
  registry.register(digicertOneProvider);
}
