import type { Clock } from "../../runtime/timing.js";
import { PROVIDER_ERRORS, isProviderError } from "../provider.js";
import type { DigiCertHttp, RequestSpec } from "../http/http-client.js";
import { DNS_ASSUMPTIONS as A } from "./assumptions.js";

export interface DnsUser {
  userId: string;
  userName: string;
  email: string;
  firstName: string;
  lastName: string;
  status: string;
  userGroups?: { id: string; name: string }[];
}
export interface DnsProfile {
  email: string;
  firstName: string;
  lastName: string;
}

export const DNS_ENDPOINTS = [
  "POST /auth/login",
  "GET /accessmanagement/users",
  "POST /accessmanagement/users",
  "PATCH /accessmanagement/users/{id}",
  "DELETE /accessmanagement/users/{id}",
  "GET /accessmanagement/usergroups",
  "POST /accessmanagement/usergroups/{id}/members/bulk/add",
  "POST /accessmanagement/usergroups/{id}/members/bulk/remove",
] as const;

/**
 * Holds the one-hour token: logs in on first use, refreshes before expiry, and logs in again once if
 * the service says the token is no longer valid. Concurrent callers share one login.
 */
export class DnsToken {
  #token: { value: string; expiresAt: number } | undefined;
  #pending: Promise<string> | undefined;
  constructor(
    readonly login: DigiCertHttp,
    readonly clock: Clock,
  ) {}

  async get(): Promise<string> {
    if (this.#token && this.#token.expiresAt - A.refreshBeforeExpiryMs > this.clock.now()) return this.#token.value;
    this.#pending ??= this.#login().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  invalidate(): void {
    this.#token = undefined;
  }

  async #login(): Promise<string> {
    const res = await this.login.request({ method: "POST", path: "/auth/login", endpoint: "POST /auth/login", idempotent: true });
    const body = res.body as Record<string, unknown>;
    const value = String(body[A.login.tokenField]);
    this.#token = { value, expiresAt: this.clock.now() + Number(body[A.login.expiresInField] ?? 3600) * 1000 };
    return value;
  }
}

/** Typed calls to DigiCert DNS access management; one method per endpoint, no policy. */
export class DnsApi {
  constructor(
    readonly http: DigiCertHttp,
    readonly token: DnsToken,
  ) {}

  async findByUserName(userName: string): Promise<DnsUser[]> {
    return ((await this.#call({ method: "GET", path: "/accessmanagement/users", endpoint: "GET /accessmanagement/users", query: { userName } })) as { users: DnsUser[] }).users;
  }

  async list(offset: number, limit: number): Promise<{ users: DnsUser[]; total: number }> {
    const body = (await this.#call({ method: "GET", path: "/accessmanagement/users", endpoint: "GET /accessmanagement/users", query: { offset, limit } })) as {
      users: DnsUser[];
      resultInfo: { totalCount: number };
    };
    return { users: body.users, total: body.resultInfo.totalCount };
  }

  async create(userName: string, profile: DnsProfile): Promise<string> {
    return ((await this.#call({ method: "POST", path: "/accessmanagement/users", endpoint: "POST /accessmanagement/users", body: { userName, ...profile } })) as { userId: string }).userId;
  }

  async patch(userId: string, fields: Partial<DnsProfile> & { status?: string }): Promise<void> {
    await this.#call({ method: "PATCH", path: `/accessmanagement/users/${encodeURIComponent(userId)}`, endpoint: "PATCH /accessmanagement/users/{id}", body: fields });
  }

  async remove(userId: string): Promise<void> {
    await this.#call({ method: "DELETE", path: `/accessmanagement/users/${encodeURIComponent(userId)}`, endpoint: "DELETE /accessmanagement/users/{id}" });
  }

  async groups(): Promise<{ id: string; name: string }[]> {
    return ((await this.#call({ method: "GET", path: "/accessmanagement/usergroups", endpoint: "GET /accessmanagement/usergroups" })) as { userGroups: { id: string; name: string }[] }).userGroups;
  }

  /** Bulk membership change; idempotent (adding a member twice leaves one membership). */
  async members(groupId: string, action: "add" | "remove", userIds: string[]): Promise<void> {
    await this.#call({
      method: "POST",
      path: `/accessmanagement/usergroups/${encodeURIComponent(groupId)}/members/bulk/${action}`,
      endpoint: `POST /accessmanagement/usergroups/{id}/members/bulk/${action}`,
      body: { userIds },
      idempotent: true,
    });
  }

  async #call(spec: RequestSpec): Promise<unknown> {
    try {
      return (await this.http.request(spec)).body;
    } catch (err) {
      // A token revoked or expired early: log in again once; a second refusal is a real auth failure.
      if (!isProviderError(err, PROVIDER_ERRORS.AUTH_FAILED) || err.status !== 401) throw err;
      this.token.invalidate();
      return (await this.http.request(spec)).body;
    }
  }
}
