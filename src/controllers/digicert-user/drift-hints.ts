import type { ServiceName } from "../../api/v1alpha1/index.js";

/**
 * What the last resync found: per user key ("namespace/name"), the services where DigiCert differs
 * from the applied status. The DigiCertUser reconciler re-applies those services and clears the hint
 * once the correction went through. In memory only: after a restart the next resync finds drift again.
 */
export class DriftHints {
  readonly #hints = new Map<string, Set<ServiceName>>();

  add(userKey: string, service: ServiceName): void {
    let set = this.#hints.get(userKey);
    if (!set) this.#hints.set(userKey, (set = new Set()));
    set.add(service);
  }

  get(userKey: string): ReadonlySet<ServiceName> {
    return this.#hints.get(userKey) ?? new Set();
  }

  clear(userKey: string, services?: Iterable<ServiceName>): void {
    const set = this.#hints.get(userKey);
    if (!set) return;
    if (services === undefined) return void this.#hints.delete(userKey);
    for (const s of services) set.delete(s);
    if (set.size === 0) this.#hints.delete(userKey);
  }
}
