import type { DigiCertHttp } from "../http/http-client.js";
import { ACCOUNT_SCIM_ASSUMPTIONS as A, SCIM_PATCH_SCHEMA, SCIM_USER_SCHEMA } from "./assumptions.js";

export interface ScimUser {
  id: string;
  userName: string;
  active: boolean;
  name?: { givenName?: string; familyName?: string };
  emails?: { value: string; primary?: boolean }[];
  groups?: { value: string; display?: string }[];
}
export interface ScimGroup {
  id: string;
  displayName: string;
}
interface ListResponse<T> {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources?: T[];
}

export const ACCOUNT_SCIM_ENDPOINTS = ["GET /Users", "POST /Users", "PUT /Users/{id}", "PATCH /Users/{id}", "DELETE /Users/{id}", "GET /Groups", "PATCH /Groups/{id}"] as const;

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Typed calls to the DigiCert account's SCIM 2.0 endpoint (RFC 7644); one method per operation. */
export class AccountScimApi {
  constructor(readonly http: DigiCertHttp) {}

  async findUsers(userName: string): Promise<ScimUser[]> {
    return (await this.#list<ScimUser>("/Users", "GET /Users", { filter: `${A.filters.user} eq ${quote(userName)}` }, 1)).Resources ?? [];
  }

  listUsers(startIndex: number): Promise<ListResponse<ScimUser>> {
    return this.#list<ScimUser>("/Users", "GET /Users", {}, startIndex);
  }

  async allGroups(): Promise<ScimGroup[]> {
    const groups: ScimGroup[] = [];
    for (let start = 1; ; ) {
      const page = await this.#list<ScimGroup>("/Groups", "GET /Groups", {}, start);
      const items = page.Resources ?? [];
      groups.push(...items);
      start += items.length;
      if (items.length === 0 || start > page.totalResults) return groups;
    }
  }

  async create(user: Omit<ScimUser, "id" | "groups">): Promise<ScimUser> {
    const res = await this.http.request({ method: "POST", path: "/Users", endpoint: "POST /Users", body: { schemas: [SCIM_USER_SCHEMA], ...user } });
    return res.body as ScimUser;
  }

  async replace(id: string, user: Omit<ScimUser, "id" | "groups">): Promise<void> {
    await this.http.request({ method: "PUT", path: `/Users/${encodeURIComponent(id)}`, endpoint: "PUT /Users/{id}", body: { schemas: [SCIM_USER_SCHEMA], ...user } });
  }

  async setActive(id: string, active: boolean): Promise<void> {
    await this.http.request({
      method: "PATCH",
      path: `/Users/${encodeURIComponent(id)}`,
      endpoint: "PATCH /Users/{id}",
      body: { schemas: [SCIM_PATCH_SCHEMA], Operations: [{ op: "replace", path: "active", value: active }] },
    });
  }

  async remove(id: string): Promise<void> {
    await this.http.request({ method: "DELETE", path: `/Users/${encodeURIComponent(id)}`, endpoint: "DELETE /Users/{id}" });
  }

  /** Adding an existing member or removing an absent one is a no-op in SCIM, so this is safe to repeat. */
  async membership(groupId: string, userId: string, op: "add" | "remove"): Promise<void> {
    const operation = op === "add" ? { op, path: "members", value: [{ value: userId }] } : { op, path: `members[value eq ${quote(userId)}]` };
    await this.http.request({
      method: "PATCH",
      path: `/Groups/${encodeURIComponent(groupId)}`,
      endpoint: "PATCH /Groups/{id}",
      body: { schemas: [SCIM_PATCH_SCHEMA], Operations: [operation] },
    });
  }

  async #list<T>(path: string, endpoint: string, query: Record<string, string>, startIndex: number): Promise<ListResponse<T>> {
    const res = await this.http.request({ method: "GET", path, endpoint, query: { ...query, startIndex, count: A.pageSize } });
    return res.body as ListResponse<T>;
  }
}
