import type { ServiceName } from "../api/v1alpha1/services.js";
import { OperatorError } from "../errors.js";
import type { ServiceProvider } from "./provider.js";

export const REGISTRY_ERRORS = {
  DUPLICATE: "PROVIDER_ERR_DUPLICATE_REGISTRATION",
  UNKNOWN_SERVICE: "PROVIDER_ERR_UNKNOWN_SERVICE",
} as const;

/**
 * Maps each DigiCert service name to the backend that serves it. Registration happens once at
 * startup; a second backend claiming a service is a programming error and refused loudly rather
 * than silently shadowing the first.
 */
export class ProviderRegistry {
  readonly #byService = new Map<ServiceName, ServiceProvider>();
  readonly #names = new Set<string>();

  register(provider: ServiceProvider): void {
    if (this.#names.has(provider.name)) {
      throw new OperatorError(REGISTRY_ERRORS.DUPLICATE, `provider ${provider.name} is already registered`);
    }
    for (const service of provider.services) {
      const holder = this.#byService.get(service);
      if (holder) {
        throw new OperatorError(
          REGISTRY_ERRORS.DUPLICATE,
          `service ${service} is already served by provider ${holder.name}; ${provider.name} cannot register it`,
        );
      }
    }
    this.#names.add(provider.name);
    for (const service of provider.services) this.#byService.set(service, provider);
  }

  /** The backend for a service; throws when none is registered. */
  get(service: ServiceName): ServiceProvider {
    const provider = this.#byService.get(service);
    if (!provider) throw new OperatorError(REGISTRY_ERRORS.UNKNOWN_SERVICE, `no provider registered for service ${service}`);
    return provider;
  }

  has(service: ServiceName): boolean {
    return this.#byService.has(service);
  }

  /** Every registered backend, once each. */
  list(): ServiceProvider[] {
    return [...new Set(this.#byService.values())];
  }
}
