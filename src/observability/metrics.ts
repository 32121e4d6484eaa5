import { Registry, collectDefaultMetrics } from "prom-client";

/**
 * One registry per operator process (not prom-client's global one), so tests can build several
 * operators in one process and scrape each. Subsystems register their metrics on the registry they
 * are handed; label values never carry secrets.
 */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
