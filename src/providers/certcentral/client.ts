import type { DigiCertHttp } from "../http/http-client.js";

/** A user as GET /user returns it [C] DEV-CC-LISTUSERS; only the fields the operator reads. */
export interface CcUser {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  job_title?: string;
  telephone?: string;
  status: string;
  access_roles: { id: number; name: string }[];
  container_assignments?: { id: number; name: string }[];
  is_saml_sso_only?: boolean;
}
export interface CcContainer {
  id: number;
  name: string;
  parent_id: number;
}
export interface CcProfile {
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  job_title?: string;
  telephone?: string;
}

export const CERTCENTRAL_ENDPOINTS = [
  "GET /user",
  "POST /user",
  "PUT /user/{id}",
  "PUT /user/{id}/role",
  "PUT /user/{id}/container-assignments",
  "DELETE /user/{id}",
  "GET /account",
  "GET /container",
  "GET /container/{id}/role",
  "GET /key",
  "PUT /key/{id}/status",
] as const;

/** Typed calls to the CertCentral Services API v2; one method per endpoint, no policy. */
export class CertCentralApi {
  constructor(readonly http: DigiCertHttp) {}

  /** `filters[search]` is an exact match on username, names or email [C]; the caller narrows to username. */
  async search(term: string): Promise<CcUser[]> {
    const res = await this.http.request({ method: "GET", path: "/user", endpoint: "GET /user", query: { "filters[search]": term, limit: 100 } });
    return (res.body as { users: CcUser[] }).users;
  }

  async list(offset: number, limit: number): Promise<{ users: CcUser[]; total: number }> {
    const res = await this.http.request({ method: "GET", path: "/user", endpoint: "GET /user", query: { offset, limit } });
    const body = res.body as { users: CcUser[]; page: { total: number } };
    return { users: body.users, total: body.page.total };
  }

  /** POST /user → 201 {id}. Not idempotent: the HTTP layer never repeats it except after a 429. */
  async create(profile: CcProfile, roleId: number, containerIds: number[], samlSsoOnly: boolean): Promise<number> {
    const body = {
      ...profile,
      access_roles: [{ id: roleId }],
      ...(containerIds.length > 0 ? { container_id_assignments: containerIds.map(String) } : {}),
      is_saml_sso_only: samlSsoOnly,
    };
    const res = await this.http.request({ method: "POST", path: "/user", endpoint: "POST /user", body });
    return (res.body as { id: number }).id;
  }

  /** PUT /user/{id} clears omitted job_title/telephone [C], so callers always send the full profile. */
  async edit(id: number, profile: CcProfile): Promise<void> {
    await this.http.request({ method: "PUT", path: `/user/${id}`, endpoint: "PUT /user/{id}", body: profile });
  }

  async setRole(id: number, roleId: number): Promise<void> {
    await this.http.request({ method: "PUT", path: `/user/${id}/role`, endpoint: "PUT /user/{id}/role", body: { access_roles: [{ id: roleId }] } });
  }

  /** Destructive: replaces every assignment; [] means every division [C] DEV-CC-UCA. */
  async setContainers(id: number, containerIds: number[]): Promise<void> {
    await this.http.request({
      method: "PUT",
      path: `/user/${id}/container-assignments`,
      endpoint: "PUT /user/{id}/container-assignments",
      body: { container_id_assignments: containerIds.map(String) },
    });
  }

  async remove(id: number): Promise<void> {
    await this.http.request({ method: "DELETE", path: `/user/${id}`, endpoint: "DELETE /user/{id}" });
  }

  async rootContainerId(): Promise<number> {
    const res = await this.http.request({ method: "GET", path: "/account", endpoint: "GET /account" });
    return (res.body as { root_container_id: number }).root_container_id;
  }

  async containers(): Promise<CcContainer[]> {
    const res = await this.http.request({ method: "GET", path: "/container", endpoint: "GET /container" });
    return (res.body as { containers: CcContainer[] }).containers;
  }

  async containerRoles(containerId: number): Promise<{ id: number; name: string }[]> {
    const res = await this.http.request({ method: "GET", path: `/container/${containerId}/role`, endpoint: "GET /container/{id}/role" });
    return (res.body as { access_roles: { id: number; name: string }[] }).access_roles;
  }

  async activeKeyIds(userId: number): Promise<number[]> {
    const res = await this.http.request({ method: "GET", path: "/key", endpoint: "GET /key", query: { user_id: userId } });
    return (res.body as { api_keys: { id: number; status: string }[] }).api_keys.filter((k) => k.status === "active").map((k) => k.id);
  }

  async revokeKey(keyId: number): Promise<void> {
    await this.http.request({ method: "PUT", path: `/key/${keyId}/status`, endpoint: "PUT /key/{id}/status", body: { status: "revoked" } });
  }
}
