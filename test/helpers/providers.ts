import type { ServiceName } from "../../src/api/v1alpha1/services.js";
import { ProvidersConfigSchema, type ProvidersConfig } from "../../src/providers/config.js";
import type { HttpDeps } from "../../src/providers/http/http-client.js";
import { createProviderRegistry } from "../../src/providers/index.js";
import type { AccessClient, ConnectionSettings } from "../../src/providers/provider.js";
import type { RunningSimulator } from "../../src/simulator/index.js";
import type { Plane } from "../../src/simulator/faults.js";

/** HTTP settings sized for tests: short backoff so retries cost milliseconds, not seconds. */
export const testHttpConfig = (over: Partial<ProvidersConfig> = {}): ProvidersConfig =>
  ProvidersConfigSchema.parse({ timeoutMs: 2_000, baseDelayMs: 5, maxDelayMs: 40, rateLimitMarginMs: 0, ...over });

/** One row per backend: how to reach it in the simulator and two disjoint role sets to move between. */
export interface BackendCase {
  service: ServiceName;
  plane: Plane;
  url: (s: RunningSimulator) => string;
  credentials: (s: RunningSimulator) => string;
  roles: string[];
  otherRoles: string[];
  divisions?: string[];
  /** Route template of the create call, as the simulator records it. */
  createRoute: string;
  /** Users the simulator holds before any test creates one (the API key's own admin). */
  baseline: number;
  reversibleDisable: boolean;
}

export const BACKENDS: BackendCase[] = [
  {
    service: "certcentral",
    plane: "certcentral",
    url: (s) => s.urls.certcentral,
    credentials: (s) => s.sim.options.certcentral.apiKeys[0]!,
    roles: ["Standard User"],
    otherRoles: ["Manager"],
    divisions: ["Engineering"],
    createRoute: "POST /services/v2/user",
    baseline: 1,
    reversibleDisable: false,
  },
  {
    service: "trust-lifecycle",
    plane: "digicert-one",
    url: (s) => s.urls.digicertOne,
    credentials: (s) => s.sim.options.digicertOne.apiKeys[0]!,
    roles: ["Manager"],
    otherRoles: ["View only", "Reporting admin"],
    createRoute: "POST /account/api/v1/user",
    baseline: 1,
    reversibleDisable: true,
  },
  {
    service: "dns",
    plane: "dns",
    url: (s) => s.urls.dns,
    credentials: (s) => s.sim.options.dns.apiKeys[0]!,
    roles: ["Technical"],
    otherRoles: ["Administrative", "Reporting"],
    createRoute: "POST /dns/accessmanagement/users",
    baseline: 0,
    reversibleDisable: true,
  },
  {
    service: "digicert-account",
    plane: "account-scim",
    url: (s) => s.urls.accountScim,
    credentials: (s) => s.sim.options.accountScim.tokens[0]!,
    roles: ["CertCentral Users"],
    otherRoles: ["Signers", "Trust Lifecycle Managers"],
    createRoute: "POST /scim/v2/Users",
    baseline: 0,
    reversibleDisable: true,
  },
];

const registry = createProviderRegistry();

/** A client for `c` against the running simulator, with no client-side limits unless given. */
export function clientFor(s: RunningSimulator, c: BackendCase, deps: HttpDeps = {}, over: Partial<ConnectionSettings> = {}): AccessClient {
  return registry.get(c.service).newClient(
    { service: c.service, credentials: c.credentials(s), endpoint: c.url(s), rateLimits: [], ...over },
    { config: testHttpConfig(), ...deps },
  );
}

export const identity = (n: number | string) => ({
  userName: `user-${n}@example.com`,
  email: `user-${n}@example.com`,
  givenName: "Given",
  familyName: `Family${n}`,
});

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await fn(items[i]!) };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Largest number of sorted timestamps inside any window of `windowMs` (sliding). */
export function busiest(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
