import type { ServiceName } from "../../api/v1alpha1/services.js";
import { CachedCatalog, catalogCacheSettings, ensureWithLookup, sameSet, deleteIdempotently, type CatalogCacheSettings } from "../ensure.js";
import { DigiCertHttp, type HttpDeps } from "../http/http-client.js";
import { parseScimError } from "../http/error-dialects.js";
import {
  PROVIDER_ERRORS,
  ProviderError,
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
import { ACCOUNT_SCIM_ASSUMPTIONS as A } from "./assumptions.js";
import { ACCOUNT_SCIM_ENDPOINTS, AccountScimApi, type ScimUser } from "./client.js";
import { groupIdsOf } from "./role-mapping.js";

const SERVICE: ServiceName = "digicert-account";

class AccountScimClient implements AccessClient {
  readonly service = SERVICE;
  readonly #api: AccountScimApi;
  readonly #groups: CachedCatalog<Role[]>;

  constructor(api: AccountScimApi, catalog: CatalogCacheSettings) {
    this.#api = api;
    this.#groups = new CachedCatalog(async () => (await api.allGroups()).map((g) => ({ id: g.id, name: g.displayName })), catalog);
  }

  async validateCredentials(): Promise<void> {
    await this.#api.findUsers("digicert-access-operator-credential-check");
  }

  async getUser(userName: string): Promise<RemoteUser | undefined> {
    const user = await this.#find(userName);
    return user && toRemote(user);
  }

  async listUsers(cursor?: string): Promise<UserPage> {
    const start = cursor ? Number(cursor) : 1;
    const page = await this.#api.listUsers(start);
    const users = page.Resources ?? [];
    const next = start + users.length;
    return { users: users.map(toRemote), ...(users.length > 0 && next <= page.totalResults ? { next: String(next) } : {}) };
  }

  async ensureUser(identity: UserIdentity, access: DesiredAccess): Promise<EnsureResult> {
    const wanted = await this.#groups.resolve((groups) => groupIdsOf(access.roles, groups));
    const resource = {
      userName: identity.userName,
      active: true,
      name: { givenName: identity.givenName, familyName: identity.familyName },
      emails: [{ value: identity.email, primary: true }],
    };
    return ensureWithLookup<ScimUser>({
      service: SERVICE,
      lookup: () => this.#find(identity.userName),
      mayBeDuplicate: (err) => isProviderError(err) && err.status === A.duplicateStatus,
      create: async () => {
        const user = await this.#api.create(resource);
        for (const g of wanted) await this.#api.membership(g, user.id, "add");
        return { outcome: "created", user: { ...toRemote(user), roles: access.roles } };
      },
      update: async (user) => {
        const held = (user.groups ?? []).map((g) => g.value);
        const profileSame =
          user.active && user.name?.givenName === identity.givenName && user.name?.familyName === identity.familyName && primaryEmail(user) === identity.email;
        if (profileSame && sameSet(held, wanted)) return { outcome: "unchanged", user: toRemote(user) };
        if (!profileSame) await this.#api.replace(user.id, resource);
        for (const g of wanted.filter((id) => !held.includes(id))) await this.#api.membership(g, user.id, "add");
        for (const g of held.filter((id) => !wanted.includes(id))) await this.#api.membership(g, user.id, "remove");
        return { outcome: "updated", user: { ...toRemote(user), email: identity.email, state: "active", roles: access.roles } };
      },
    });
  }

  async disableUser(userName: string): Promise<"disabled" | "absent"> {
    const user = await this.#find(userName);
    if (!user) return "absent";
    if (user.active) await this.#api.setActive(user.id, false);
    return "disabled";
  }

  async deleteUser(userName: string): Promise<"deleted" | "absent"> {
    const user = await this.#find(userName);
    if (!user) return "absent";
    return deleteIdempotently(() => this.#api.remove(user.id));
  }

  roleCatalog(): Promise<Role[]> {
    return this.#groups.get();
  }

  async #find(userName: string): Promise<ScimUser | undefined> {
    return (await this.#api.findUsers(userName)).find((u) => u.userName.toLowerCase() === userName.toLowerCase());
  }
}

const primaryEmail = (u: ScimUser) => (u.emails?.find((e) => e.primary) ?? u.emails?.[0])?.value;

function toRemote(u: ScimUser): RemoteUser {
  return {
    remoteId: u.id,
    userName: u.userName,
    email: primaryEmail(u) ?? "",
    state: u.active ? "active" : "disabled",
    roles: (u.groups ?? []).map((g) => g.display ?? g.value),
    divisions: [],
  };
}

/** Outbound SCIM 2.0 client to the DigiCert account (service digicert-account; roles = group names). */
export const accountScimProvider = {
  name: "account-scim",
  services: [SERVICE],
  capabilities: { reversibleDisable: true, divisions: false, singleRole: false },
  defaultRateLimits: () => [...A.defaultRateLimits],
  newClient(settings: ConnectionSettings, deps: HttpDeps): AccessClient {
    const baseUrl = settings.endpoint ?? A.defaultEndpoint;
    if (!baseUrl) {
      throw new ProviderError(SERVICE, PROVIDER_ERRORS.INVALID_REQUEST, "the DigiCert account SCIM base URL has no default: set endpoint to the URL shown in the DigiCert account admin UI");
    }
    const http = new DigiCertHttp(
      {
        service: SERVICE,
        baseUrl,
        credential: settings.credentials,
        windows: settings.rateLimits ?? accountScimProvider.defaultRateLimits(),
        auth: () => ({ authorization: `Bearer ${settings.credentials}` }),
        parseError: parseScimError,
        endpoints: ACCOUNT_SCIM_ENDPOINTS,
      },
      deps,
    );
    return new AccountScimClient(new AccountScimApi(http), catalogCacheSettings(deps));
  },
} satisfies ServiceProvider;
