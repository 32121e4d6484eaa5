import { z } from "zod";
import type { ServiceName } from "../../api/v1alpha1/services.js";
import { CachedCatalog, catalogCacheSettings, ensureWithLookup, sameSet, deleteIdempotently, type CatalogCacheSettings } from "../ensure.js";
import { DigiCertHttp, type HttpDeps } from "../http/http-client.js";
import { parseDigiCertError } from "../http/error-dialects.js";
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
import { CERTCENTRAL_ASSUMPTIONS as A, CERTCENTRAL_DEFAULT_ENDPOINT } from "./assumptions.js";
import { CERTCENTRAL_ENDPOINTS, CertCentralApi, type CcProfile, type CcUser } from "./client.js";
import { roleIdOf, roleNameOf } from "./role-mapping.js";

/** Backend switches a tenant may set for CertCentral (ServiceConnection options). */
export const CertCentralOptionsSchema = z.object({
  accountManaged: z
    .boolean()
    .default(false)
    .describe("Users are managed from the DigiCert account: never create them here; wait for them to activate, then set roles."),
  samlSsoOnly: z.boolean().default(false).describe("Create users as SAML SSO-only (no password e-mail)."),
});

const USERNAME = /^[a-zA-Z0-9@\-_+.]+$/;
const SERVICE: ServiceName = "certcentral";

class CertCentralClient implements AccessClient {
  readonly service = SERVICE;
  readonly #api: CertCentralApi;
  readonly #options: z.infer<typeof CertCentralOptionsSchema>;
  readonly #containers: CachedCatalog<Map<string, number>>;
  readonly #roles: CachedCatalog<Role[]>;

  constructor(api: CertCentralApi, options: z.infer<typeof CertCentralOptionsSchema>, catalog: CatalogCacheSettings) {
    this.#api = api;
    this.#options = options;
    this.#containers = new CachedCatalog(async () => new Map((await api.containers()).map((c) => [c.name.toLowerCase(), c.id])), catalog);
    this.#roles = new CachedCatalog(async () => {
      const roles = await api.containerRoles(await api.rootContainerId());
      return roles.map((r) => ({ id: String(r.id), name: roleNameOf(r.id, r.name) }));
    }, catalog);
  }

  async validateCredentials(): Promise<void> {
    await this.#api.rootContainerId();
  }

  async getUser(userName: string): Promise<RemoteUser | undefined> {
    const raw = await this.#find(userName);
    return raw && this.#toRemote(raw);
  }

  async listUsers(cursor?: string): Promise<UserPage> {
    const offset = cursor ? Number(cursor) : 0;
    const { users, total } = await this.#api.list(offset, A.pageLimit);
    const next = offset + users.length;
    return { users: users.map((u) => this.#toRemote(u)), ...(users.length > 0 && next < total ? { next: String(next) } : {}) };
  }

  async ensureUser(identity: UserIdentity, access: DesiredAccess): Promise<EnsureResult> {
    if (!USERNAME.test(identity.userName)) {
      throw new ProviderError(SERVICE, PROVIDER_ERRORS.INVALID_REQUEST, `username ${JSON.stringify(identity.userName)} has characters CertCentral refuses (allowed: a-z A-Z 0-9 @ - _ + .)`);
    }
    const roleId = this.#roleId(access);
    const containerIds = await this.#containerIds(access.divisions ?? []);
    const profile = toProfile(identity);
    return ensureWithLookup<CcUser>({
      service: SERVICE,
      lookup: () => this.#find(identity.userName),
      mayBeDuplicate: (err) => isProviderError(err) && err.status === A.createMayBeDuplicateStatus,
      create: async () => {
        if (this.#options.accountManaged) return { outcome: "pending" };
        const id = await this.#api.create(profile, roleId, containerIds, this.#options.samlSsoOnly);
        return { outcome: "created", user: { remoteId: String(id), userName: identity.userName, email: identity.email, state: "active", roles: [roleNameOf(roleId, "")], divisions: access.divisions ?? [] } };
      },
      update: async (user) => {
        let changed = false;
        if (profileDiffers(user, profile)) {
          await this.#api.edit(user.id, { ...profile, username: user.username });
          changed = true;
        }
        if (user.status === A.pendingStatus || user.access_roles.length !== 1 || user.access_roles[0]!.id !== roleId) {
          await this.#api.setRole(user.id, roleId);
          changed = true;
        }
        const current = (user.container_assignments ?? []).map((c) => c.id);
        if (!sameSet(current.map(String), containerIds.map(String))) {
          await this.#api.setContainers(user.id, containerIds);
          changed = true;
        }
        const remote = this.#toRemote(user);
        if (!changed) return { outcome: "unchanged", user: remote };
        return { outcome: "updated", user: { ...remote, state: "active", roles: [roleNameOf(roleId, "")], divisions: access.divisions ?? [] } };
      },
    });
  }

  async disableUser(userName: string): Promise<"deleted" | "absent"> {
    return this.deleteUser(userName);
  }

  async deleteUser(userName: string): Promise<"deleted" | "absent"> {
    const user = await this.#find(userName);
    if (!user) return "absent";
    // A deleted user's API keys must not outlive it: revoke first.
    for (const keyId of await this.#api.activeKeyIds(user.id)) await this.#api.revokeKey(keyId);
    return deleteIdempotently(() => this.#api.remove(user.id));
  }

  roleCatalog(): Promise<Role[]> {
    return this.#roles.get();
  }

  async #find(userName: string): Promise<CcUser | undefined> {
    const hits = await this.#api.search(userName);
    return hits.find((u) => u.username.toLowerCase() === userName.toLowerCase());
  }

  #roleId(access: DesiredAccess): number {
    if (access.roles.length !== 1) {
      throw new ProviderError(SERVICE, PROVIDER_ERRORS.INVALID_REQUEST, `a CertCentral user holds exactly one role; got ${access.roles.length} (${access.roles.join(", ")})`);
    }
    const id = roleIdOf(access.roles[0]!);
    if (id === undefined) throw new ProviderError(SERVICE, PROVIDER_ERRORS.INVALID_REQUEST, `unknown CertCentral role ${JSON.stringify(access.roles[0])}`);
    return id;
  }

  async #containerIds(divisions: string[]): Promise<number[]> {
    if (divisions.length === 0) return [];
    return this.#containers.resolve((byName) =>
      divisions.map((name) => {
        const id = byName.get(name.toLowerCase());
        if (id === undefined) throw new ProviderError(SERVICE, PROVIDER_ERRORS.INVALID_REQUEST, `unknown CertCentral division ${JSON.stringify(name)}`);
        return id;
      }),
    );
  }

  #toRemote(u: CcUser): RemoteUser {
    return {
      remoteId: String(u.id),
      userName: u.username,
      email: u.email,
      state: u.status === A.pendingStatus ? "pending" : "active",
      roles: u.access_roles.map((r) => roleNameOf(r.id, r.name)),
      divisions: (u.container_assignments ?? []).map((c) => c.name),
    };
  }
}

function toProfile(identity: UserIdentity): CcProfile {
  return {
    username: identity.userName,
    first_name: identity.givenName,
    last_name: identity.familyName,
    email: identity.email,
    ...(identity.title ? { job_title: identity.title.slice(0, 64) } : {}),
    ...(identity.phone ? { telephone: identity.phone.slice(0, 64) } : {}),
  };
}

function profileDiffers(user: CcUser, p: CcProfile): boolean {
  return user.first_name !== p.first_name || user.last_name !== p.last_name || user.email !== p.email || (user.job_title ?? undefined) !== p.job_title || (user.telephone ?? undefined) !== p.telephone;
}

/** CertCentral Services API v2 (X-DC-DEVKEY). */
export const certcentralProvider = {
  name: "certcentral",
  services: [SERVICE],
  capabilities: { reversibleDisable: !A.disableDeletes, divisions: true, singleRole: true },
  // [C] DEV-CC-RATE: 100 requests per 5 s and 1000 per 3 min per API key.
  defaultRateLimits: () => [
    { requests: 100, windowMs: 5_000 },
    { requests: 1000, windowMs: 180_000 },
  ],
  newClient(settings: ConnectionSettings, deps: HttpDeps): AccessClient {
    const options = CertCentralOptionsSchema.parse(settings.options ?? {});
    const http = new DigiCertHttp(
      {
        service: SERVICE,
        baseUrl: settings.endpoint ?? CERTCENTRAL_DEFAULT_ENDPOINT,
        credential: settings.credentials,
        windows: settings.rateLimits ?? certcentralProvider.defaultRateLimits(),
        auth: () => ({ "X-DC-DEVKEY": settings.credentials }),
        parseError: parseDigiCertError,
        endpoints: CERTCENTRAL_ENDPOINTS,
      },
      deps,
    );
    return new CertCentralClient(new CertCentralApi(http), options, catalogCacheSettings(deps));
  },
} satisfies ServiceProvider;
