import type { DigiCertHttp } from "../http/http-client.js";
import { DIGICERT_ONE_ASSUMPTIONS as A } from "./assumptions.js";

export interface OneRole {
  id: string;
  name: string;
  application_code: string;
}
export interface OneUser {
  id: string;
  username: string;
  email: string;
  first_name?: string;
  last_name?: string;
  status: string;
  roles?: OneRole[];
}
export interface OneProfile {
  email: string;
  first_name: string;
  last_name: string;
}

export const DIGICERT_ONE_ENDPOINTS = ["GET /user", "GET /user/{id}", "POST /user", "PUT /user/{id}", "DELETE /user/{id}", "GET /role"] as const;

/** Typed calls to the DigiCert ONE Account Manager API; one method per endpoint, no policy. */
export class AccountManagerApi {
  constructor(readonly http: DigiCertHttp) {}

  async findByUsername(username: string): Promise<OneUser[]> {
    const res = await this.http.request({ method: "GET", path: "/user", endpoint: "GET /user", query: { [A.usernameQuery]: username, user_type: "standard" } });
    return res.body as OneUser[];
  }

  async list(offset: number, limit: number): Promise<OneUser[]> {
    const res = await this.http.request({ method: "GET", path: "/user", endpoint: "GET /user", query: { [A.paging.offset]: offset, [A.paging.limit]: limit, user_type: "standard" } });
    return res.body as OneUser[];
  }

  async me(): Promise<OneUser> {
    const res = await this.http.request({ method: "GET", path: "/user/me", endpoint: "GET /user/{id}" });
    return res.body as OneUser;
  }

  async create(username: string, profile: OneProfile, roleIds: string[]): Promise<OneUser> {
    const body = { user_type: "standard", username, ...profile, roles: roleIds };
    const res = await this.http.request({ method: "POST", path: "/user", endpoint: "POST /user", body });
    return res.body as OneUser;
  }

  async update(id: string, profile: OneProfile, roleIds: string[]): Promise<void> {
    await this.http.request({ method: "PUT", path: `/user/${encodeURIComponent(id)}`, endpoint: "PUT /user/{id}", body: { ...profile, roles: roleIds } });
  }

  async remove(id: string): Promise<void> {
    await this.http.request({ method: "DELETE", path: `/user/${encodeURIComponent(id)}`, endpoint: "DELETE /user/{id}" });
  }

  async roles(applicationCode: string): Promise<OneRole[]> {
    const res = await this.http.request({ method: "GET", path: "/role", endpoint: "GET /role", query: { application_code: applicationCode } });
    return res.body as OneRole[];
  }
}
