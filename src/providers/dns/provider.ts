import type { ServiceName } from "../../api/v1alpha1/services.js";
import { CachedCatalog, catalogCacheSettings, ensureWithLookup, sameSet, deleteIdempotently, type CatalogCacheSettings } from "../ensure.js";
import { DigiCertHttp, type HttpDeps, type ServiceHttpOptions } from "../http/http-client.js";
import { parseDnsError } from "../http/error-dialects.js";
import { systemClock } from "../../runtime/timing.js";
import { SharedHttpState } from "../http/shared-state.js";
import { defaultProvidersConfig } from "../config.js";
import {
  PROVIDER_ERRORS,
  isProviderError,
  type AccessClient,
  type ConnectionSettings,
  type DesiredAccess,
  type EnsureResult,
  type RemoteUser,
  type Role,
  type ServiceProvider,
  type UserIdentity,
  type UserPage,
} from "../provider.js";
import { DNS_ASSUMPTIONS as A } from "./assumptions.js";
import { DNS_ENDPOINTS, DnsApi, DnsToken, type DnsProfile, type DnsUser } from "./client.js";
import { groupIdsOf } from "./role-mapping.js";

const SERVICE: ServiceName = "dns";

class DnsClient implements AccessClient {
  readonly service = SERVICE;
  readonly #api: DnsApi;
  readonly #groups: CachedCatalog<Role[]>;

  constructor(api: DnsApi, catalog: CatalogCacheSettings) {
    this.#api = api;
    this.#groups = new CachedCatalog(async () => (await api.groups()).map((g) => ({ id: g.id, name: g.name })), catalog);
  }

  async validateCredentials(): Promise<void> {
    await this.#api.token.get();
  }

  async getUser(userName: string): Promise<RemoteUser | undefined> {
    const user = await this.#find(userName);
    return user && toRemote(user);
  }

  async listUsers(cursor?: string): Promise<UserPage> {
    const offset = cursor ? Number(cursor) : 0;
    const { users, total } = await this.#api.list(offset, A.paging.pageSize);
    const next = offset + users.length;
    return { users: users.map(toRemote), ...(users.length > 0 && next < total ? { next: String(next) } : {}) };
  }

  async ensureUser(identity: UserIdentity, access: DesiredAccess): Promise<EnsureResult> {
    const wanted = await this.#groups.resolve((groups) => groupIdsOf(access.roles, groups));
    const profile: DnsProfile = { email: identity.email, firstName: identity.givenName, lastName: identity.familyName };
    return ensureWithLookup<DnsUser>({
      service: SERVICE,
      lookup: () => this.#find(identity.userName),
      mayBeDuplicate: (err) => isProviderError(err, PROVIDER_ERRORS.CONFLICT),
      create: async () => {
        const userId = await this.#api.create(identity.userName, profile);
        // A crash between create and membership is repaired by the next ensure, which finds the user.
        for (const groupId of wanted) await this.#api.members(groupId, "add", [userId]);
        return { outcome: "created", user: { remoteId: userId, userName: identity.userName, email: identity.email, state: "active", roles: access.roles, divisions: [] } };
      },
      update: async (user) => {
        const held = (user.userGroups ?? []).map((g) => g.id);
        const changes: Partial<DnsProfile> & { status?: string } = {};
        if (user.email !== profile.email || user.firstName !== profile.firstName || user.lastName !== profile.lastName) Object.assign(changes, profile);
        if (user.status !== A.statuses.active) changes.status = A.statuses.active;
        if (Object.keys(changes).length === 0 && sameSet(held, wanted)) return { outcome: "unchanged", user: toRemote(user) };
        if (Object.keys(changes).length > 0) await this.#api.patch(user.userId, changes);
        for (const g of wanted.filter((id) => !held.includes(id))) await this.#api.members(g, "add", [user.userId]);
        for (const g of held.filter((id) => !wanted.includes(id))) await this.#api.members(g, "remove", [user.userId]);
        return { outcome: "updated", user: { ...toRemote(user), email: profile.email, state: "active", roles: access.roles } };
      },
    });
  }

  async disableUser(userName: string): Promise<"disabled" | "absent"> {
    const user = await this.#find(userName);
    if (!user) return "absent";
    if (user.status !== A.statuses.disabled) await this.#api.patch(user.userId, { status: A.statuses.disabled });
    return "disabled";
  }

  async deleteUser(userName: string): Promise<"deleted" | "absent"> {
    const user = await this.#find(userName);
    if (!user) return "absent";
    return deleteIdempotently(() => this.#api.remove(user.userId));
  }

  roleCatalog(): Promise<Role[]> {
    return this.#groups.get();
  }

  async #find(userName: string): Promise<DnsUser | undefined> {
    return (await this.#api.findByUserName(userName)).find((u) => u.userName.toLowerCase() === userName.toLowerCase());
  }
}

function toRemote(u: DnsUser): RemoteUser {
  return {
    remoteId: u.userId,
    userName: u.userName,
    email: u.email,
    state: u.status === A.statuses.active ? "active" : "disabled",
    roles: (u.userGroups ?? []).map((g) => g.name),
    divisions: [],
  };
}

/** DigiCert DNS access management (API key → one-hour token). */
export const dnsProvider = {
  name: "dns",
  services: [SERVICE],
  capabilities: { reversibleDisable: true, divisions: false, singleRole: false },
  defaultRateLimits: () => [...A.defaultRateLimits],
  newClient(settings: ConnectionSettings, deps: HttpDeps): AccessClient {
    const base: Omit<ServiceHttpOptions, "auth"> = {
      service: SERVICE,
      baseUrl: settings.endpoint ?? A.defaultEndpoint,
      credential: settings.credentials,
      windows: settings.rateLimits ?? dnsProvider.defaultRateLimits(),
      parseError: parseDnsError,
      endpoints: DNS_ENDPOINTS,
    };
    const clock = deps.clock ?? systemClock;
    // Login and API calls count against the same key's windows, so they share one limiter.
    const shared: HttpDeps = { ...deps, shared: deps.shared ?? new SharedHttpState(clock, deps.config ?? defaultProvidersConfig()) };
    const login = new DigiCertHttp({ ...base, auth: () => ({ authorization: `Bearer ${settings.credentials}` }) }, shared);
    const token = new DnsToken(login, clock);
    const http = new DigiCertHttp({ ...base, auth: async () => ({ authorization: `Bearer ${await token.get()}` }) }, shared);
    return new DnsClient(new DnsApi(http, token), catalogCacheSettings(deps));
  },
} satisfies ServiceProvider;
