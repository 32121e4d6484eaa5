/**
 * The DigiCert providers: one contract (provider.ts), one registry, one shared HTTP layer (http/),
 * and one folder per backend. createProviderRegistry() registers all four backends.
 */
import { register as registerAccountScim } from "./account-scim/index.js";
import { register as registerCertCentral } from "./certcentral/index.js";
import { register as registerDigiCertOne } from "./digicert-one/index.js";
import { register as registerDns } from "./dns/index.js";
import { ProviderRegistry } from "./registry.js";

export * from "./provider.js";
export { ProviderRegistry, REGISTRY_ERRORS } from "./registry.js";
export { ProvidersConfigSchema, type ProvidersConfig } from "./config.js";
export { DigiCertHttp, type HttpDeps } from "./http/http-client.js";
export { RollingWindowLimiter, rateLimitFloorMs, type RateWindow } from "./http/rate-limiter.js";
export { SharedHttpState } from "./http/shared-state.js";

export function createProviderRegistry(): ProviderRegistry {
  const registry = new ProviderRegistry();
  registerCertCentral(registry);
  registerDigiCertOne(registry);
  registerDns(registry);
  registerAccountScim(registry);
  return registry;
}
export { connectionSettings } from "./connection.js";
