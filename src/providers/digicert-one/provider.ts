import type { ServiceName } from "../../api/v1alpha1/services.js";
import { CachedCatalog, catalogCacheSettings, ensureWithLookup, sameSet, deleteIdempotently, type CatalogCacheSettings } from "../ensure.js";
import { DigiCertHttp, type HttpDeps } from "../http/http-client.js";
import { parseDigiCertError } from "../http/error-dialects.js";
import type { KeyedMutex } from "../http/keyed-mutex.js";
import { SharedHttpState } from "../http/shared-state.js";
import { defaultProvidersConfig } from "../config.js";
import { systemClock } from "../../runtime/timing.js";
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
import { DIGICERT_ONE_ASSUMPTIONS as A, DIGICERT_ONE_DEFAULT_ENDPOINT } from "./assumptions.js";
import { AccountManagerApi, DIGICERT_ONE_ENDPOINTS, type OneProfile, type OneUser } from "./client.js";
import { applicationCodeOf, roleIdsOf } from "./role-mapping.js";

/** The four managers share one API key: one limiter and one set of per-user write locks. */
const KEY_SCOPE = "digicert-one";

/**
 * One DigiCert ONE manager (Trust Lifecycle, Software Trust, Document Trust or IoT Trust). All four
 * share the Account Manager user; each client owns only its own application's roles and leaves the
 * other managers' roles as they are. Because PUT /user/{id} replaces every manager's roles, each
 * read-then-write of a user runs under that user's lock, shared by all managers of the key:
 * otherwise two managers writing at once would each drop the other's change.
 */
class DigiCertOneClient implements AccessClient {
  readonly #api: AccountManagerApi;
  readonly #app: string;
  readonly #roles: CachedCatalog<Role[]>;
  readonly #writes: KeyedMutex;

  constructor(
    readonly service: ServiceName,
    api: AccountManagerApi,
    writes: KeyedMutex,
    catalog: CatalogCacheSettings,
  ) {
    this.#api = api;
    this.#writes = writes;
    this.#app = applicationCodeOf(service);
    this.#roles = new CachedCatalog(async () => (await api.roles(this.#app)).map((r) => ({ id: r.id, name: r.name })), catalog);
  }

  async validateCredentials(): Promise<void> {
    await this.#api.me();
  }

  async getUser(userName: string): Promise<RemoteUser | undefined> {
    const user = await this.#find(userName);
    return user && this.#toRemote(user);
  }

  async listUsers(cursor?: string): Promise<UserPage> {
    const offset = cursor ? Number(cursor) : 0;
    const users = await this.#api.list(offset, A.paging.pageSize);
    return { users: users.map((u) => this.#toRemote(u)), ...(users.length === A.paging.pageSize ? { next: String(offset + users.length) } : {}) };
  }

  async ensureUser(identity: UserIdentity, access: DesiredAccess): Promise<EnsureResult> {
    const wanted = await this.#roles.resolve((roles) => roleIdsOf(this.service, access.roles, roles));
    const profile: OneProfile = { email: identity.email, first_name: identity.givenName, last_name: identity.familyName };
    return this.#locked(identity.userName, () => ensureWithLookup<OneUser>({
      service: this.service,
      lookup: () => this.#find(identity.userName),
      mayBeDuplicate: (err) => isProviderError(err) && (err.remoteCode === A.duplicateCode || err.code === PROVIDER_ERRORS.CONFLICT),
      create: async () => {
        // Only the id is relied on from the answer: the create response's shape is not published.
        const { id } = await this.#api.create(identity.userName, profile, wanted);
        return { outcome: "created", user: { remoteId: id, userName: identity.userName, email: identity.email, state: "active", roles: access.roles, divisions: [] } };
      },
      update: async (user) => {
        const mine = this.#mine(user).map((r) => r.id);
        const profileSame = user.email === profile.email && user.first_name === profile.first_name && user.last_name === profile.last_name;
        if (profileSame && sameSet(mine, wanted)) return { outcome: "unchanged", user: this.#toRemote(user) };
        await this.#api.update(user.id, profile, [...this.#others(user), ...wanted]);
        return { outcome: "updated", user: { ...this.#toRemote(user), email: profile.email, roles: access.roles, state: access.roles.length > 0 ? "active" : "disabled" } };
      },
    }));
  }

  disableUser(userName: string): Promise<"disabled" | "absent"> {
    return this.#locked(userName, async () => {
      const user = await this.#find(userName);
      if (!user) return "absent";
      if (this.#mine(user).length > 0) await this.#api.update(user.id, profileOf(user), this.#others(user));
      return "disabled";
    });
  }

  deleteUser(userName: string): Promise<"deleted" | "absent"> {
    return this.#locked(userName, async () => {
      const user = await this.#find(userName);
      if (!user) return "absent";
      const others = this.#others(user);
      // Other managers still grant access: only this manager's roles go; the person stays.
      return deleteIdempotently(() => (others.length > 0 ? this.#api.update(user.id, profileOf(user), others) : this.#api.remove(user.id)));
    });
  }

  roleCatalog(): Promise<Role[]> {
    return this.#roles.get();
  }

  /** Usernames match case-insensitively in DigiCert ONE, so the lock does too. */
  #locked<T>(userName: string, task: () => Promise<T>): Promise<T> {
    return this.#writes.run(userName.toLowerCase(), task);
  }

  async #find(userName: string): Promise<OneUser | undefined> {
    const hits = await this.#api.findByUsername(userName);
    return hits.find((u) => u.username.toLowerCase() === userName.toLowerCase());
  }

  #mine(user: OneUser) {
    return (user.roles ?? []).filter((r) => r.application_code === this.#app);
  }

  #others(user: OneUser): string[] {
    return (user.roles ?? []).filter((r) => r.application_code !== this.#app).map((r) => r.id);
  }

  #toRemote(user: OneUser): RemoteUser {
    const mine = this.#mine(user);
    return {
      remoteId: user.id,
      userName: user.username,
      email: user.email,
      state: user.status !== "ACTIVE" || mine.length === 0 ? "disabled" : "active",
      roles: mine.map((r) => r.name),
      divisions: [],
    };
  }
}

const profileOf = (u: OneUser): OneProfile => ({ email: u.email, first_name: u.first_name ?? "", last_name: u.last_name ?? "" });

/** DigiCert ONE Account Manager API (x-api-key), serving the four DigiCert ONE managers. */
export const digicertOneProvider = {
  name: "digicert-one",
  services: ["trust-lifecycle", "software-trust", "document-trust", "iot-trust"],
  capabilities: { reversibleDisable: true, divisions: false, singleRole: false },
  defaultRateLimits: () => [...A.defaultRateLimits],
  newClient(settings: ConnectionSettings, deps: HttpDeps): AccessClient {
    // The composition root passes the process's one SharedHttpState; a lone client makes its own.
    const shared = deps.shared ?? new SharedHttpState(deps.clock ?? systemClock, deps.config ?? defaultProvidersConfig());
    const http = new DigiCertHttp(
      {
        service: settings.service,
        // The four managers share one API key, so they share its windows.
        limiterKey: KEY_SCOPE,
        baseUrl: settings.endpoint ?? DIGICERT_ONE_DEFAULT_ENDPOINT,
        credential: settings.credentials,
        windows: settings.rateLimits ?? digicertOneProvider.defaultRateLimits(),
        auth: () => ({ "x-api-key": settings.credentials }),
        parseError: parseDigiCertError,
        endpoints: DIGICERT_ONE_ENDPOINTS,
      },
      { ...deps, shared },
    );
    return new DigiCertOneClient(settings.service, new AccountManagerApi(http), shared.writeLock(KEY_SCOPE, settings.credentials), catalogCacheSettings(deps));
  },
} satisfies ServiceProvider;
