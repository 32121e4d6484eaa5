import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RollingWindows } from "./faults.js";
import { enforceWindows, intParam, page, type PlaneModule, type SimContext } from "./plane.js";

/** CertCentral's fixed access roles (DEV-GLOSSARY); ids are what the API speaks. */
export const CC_ROLES = [
  { id: 1, name: "Administrator" },
  { id: 2, name: "Limited User" },
  { id: 3, name: "Finance Manager" },
  { id: 4, name: "Manager" },
  { id: 5, name: "Standard User" },
];
const USERNAME = /^[a-zA-Z0-9@\-_+.]+$/;
/** [I] The docs do not name CertCentral's user-specific 400 codes; these are plausible stand-ins. */
export const CC_CODES = {
  duplicate: "duplicate_user",
  invalidRole: "invalid_access_role",
  invalidContainer: "invalid_container",
  invalidField: "invalid_user_field",
  accountManaged: "user_managed_by_digicert_account",
};

interface CcUser {
  id: number;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  job_title?: string;
  telephone?: string;
  status: "active" | "pending";
  access_roles: { id: number; name: string }[];
  container_assignments: number[];
  is_saml_sso_only: boolean;
}
interface CcKey {
  id: number;
  user_id: number;
  status: "active" | "revoked";
  name: string;
}
type Body = Record<string, unknown>;

export function certcentralPlane(ctx: SimContext): PlaneModule & {
  activate(u: { username: string; email?: string; first_name?: string; last_name?: string; defaultRoleId?: number }): number;
  addKey(username: string): number | undefined;
} {
  const o = ctx.options.certcentral;
  const rootId = 100;
  const containers = [{ id: rootId, name: "Root", parent_id: 0 }, ...o.divisions.map((name, i) => ({ id: rootId + 1 + i, name, parent_id: rootId }))];
  const configuredContainers = containers.length;
  let users = new Map<number, CcUser>();
  let keys = new Map<number, CcKey>();
  let nextId = 1;

  const reset = () => {
    containers.length = configuredContainers;
    users = new Map();
    keys = new Map();
    nextId = 1;
    // The API key belongs to this administrator ("me").
    users.set(nextId, user({ id: nextId++, username: "sim-admin", email: "admin@example.com", first_name: "Sim", last_name: "Admin", access_roles: [CC_ROLES[0]!] }));
  };
  reset();

  const byUsername = (name: string) => [...users.values()].find((u) => u.username.toLowerCase() === name.toLowerCase());
  const render = (u: CcUser) => ({
    id: u.id,
    username: u.username,
    account_id: 1,
    first_name: u.first_name,
    last_name: u.last_name,
    email: u.email,
    ...(u.job_title ? { job_title: u.job_title } : {}),
    ...(u.telephone ? { telephone: u.telephone } : {}),
    status: u.status,
    container: containers[0],
    access_roles: u.access_roles,
    type: "standard",
    has_container_assignments: u.container_assignments.length > 0,
    ...(u.container_assignments.length > 0
      ? { container_assignments: u.container_assignments.map((id) => containers.find((c) => c.id === id)) }
      : {}),
    is_saml_sso_only: u.is_saml_sso_only,
  });

  const plane: ReturnType<typeof certcentralPlane> = {
    plane: "certcentral",
    prefix: "/services/v2",
    windows: new RollingWindows(o.rateLimits, ctx.now),
    sendError: (reply, status, code, message, headers = {}) => reply.code(status).headers(headers).send({ errors: [{ code, message }] }),
    // DigiCert's exact body; CertCentral sends no Retry-After or rate-limit headers.
    sendRateLimited: (reply) =>
      reply.code(429).send({ errors: [{ code: "request_limit_exceeded", message: "Service unavailable, please limit request volume" }] }),
    reset,
    state: () => ({ users: [...users.values()].map(render), keys: [...keys.values()], containers }),
    addCatalogEntry(name) {
      const id = rootId + containers.length;
      containers.push({ id, name, parent_id: rootId });
      return String(id);
    },
    seedUsers(count, prefix) {
      for (let i = 0; i < count; i++) {
        const id = nextId++;
        users.set(id, user({ id, username: `${prefix}${i}`, email: `${prefix}${i}@example.com`, first_name: "Seed", last_name: String(i), access_roles: [CC_ROLES[4]!] }));
      }
    },
    addKey(username) {
      const owner = byUsername(username);
      if (!owner) return undefined;
      const id = keys.size + 1;
      keys.set(id, { id, user_id: owner.id, status: "active", name: `key-${id}` });
      return id;
    },
    activate(u) {
      const existing = byUsername(u.username);
      if (existing) return existing.id;
      const id = nextId++;
      const role = CC_ROLES.find((r) => r.id === u.defaultRoleId);
      users.set(id, user({ id, username: u.username, email: u.email ?? u.username, first_name: u.first_name ?? "", last_name: u.last_name ?? "", status: role ? "active" : "pending", access_roles: role ? [role] : [] }));
      return id;
    },
    routes(app: FastifyInstance) {
      const err = (reply: FastifyReply, status: number, code: string, message: string) => plane.sendError(reply, status, code, message);
      app.addHook("preHandler", async (request, reply) => {
        const key = request.headers["x-dc-devkey"];
        // An invalid key is 403, not 401 (recorded production traffic, J1).
        if (typeof key !== "string" || !o.apiKeys.includes(key)) {
          return err(reply, 403, "access_denied|access_denied_invalid_key", "Access denied due to access_denied_invalid_key.");
        }
        request.simCredential = key;
        return enforceWindows(plane, request, reply);
      });
      const find = (request: FastifyRequest, reply: FastifyReply): CcUser | undefined => {
        const raw = (request.params as { id: string }).id;
        const u = raw === "me" ? users.get(1) : users.get(Number(raw));
        if (!u) void err(reply, 404, "not_found", "The requested resource could not be found.");
        return u;
      };
      const roleOf = (body: Body): { id: number; name: string }[] | string => {
        const list = body.access_roles;
        if (!Array.isArray(list) || list.length === 0) return "access_roles is required";
        const roles = list.map((r) => CC_ROLES.find((c) => c.id === Number((r as Body)?.id)));
        return roles.every(Boolean) ? (roles as { id: number; name: string }[]) : "unknown access role id";
      };
      const assignmentsOf = (value: unknown): number[] | string => {
        if (value === undefined) return [];
        if (!Array.isArray(value)) return "container_id_assignments must be an array";
        const ids = value.map(Number);
        return ids.every((id) => containers.some((c) => c.id === id)) ? ids : "unknown container id";
      };
      const profileError = (b: Body): string | undefined => {
        if (typeof b.username !== "string" || !USERNAME.test(b.username)) return "username is required and may contain only a-z A-Z 0-9 @ - _ + .";
        for (const f of ["first_name", "last_name"]) if (typeof b[f] !== "string" || (b[f] as string).length > 128) return `${f} is required (at most 128 characters)`;
        if (typeof b.email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(b.email) || b.email.length > 255) return "email must be a valid address";
        return undefined;
      };

      app.get("/user", async (request) => {
        const q = request.query as Record<string, string>;
        let list = [...users.values()];
        const search = q["filters[search]"];
        if (search) {
          const contains = search.startsWith("%");
          const needle = (contains ? search.slice(1) : search).toLowerCase();
          const hit = (v: string | undefined) => v !== undefined && (contains ? v.toLowerCase().includes(needle) : v.toLowerCase() === needle);
          list = list.filter((u) => hit(u.username) || hit(u.email) || hit(u.first_name) || hit(u.last_name));
        }
        const offset = intParam(q.offset, 0);
        const limit = Math.min(intParam(q.limit, 1000), 1000);
        return { users: page(list, offset, limit).map(render), page: { total: list.length, limit, offset } };
      });
      app.get("/user/:id", async (request, reply) => {
        const u = find(request, reply);
        return u ? render(u) : reply;
      });
      app.post("/user", async (request, reply) => {
        if (o.accountManaged) return err(reply, 400, CC_CODES.accountManaged, "Users of this account are managed in DigiCert account.");
        const b = (request.body ?? {}) as Body;
        const bad = profileError(b);
        if (bad) return err(reply, 400, CC_CODES.invalidField, bad);
        const roles = roleOf(b);
        if (typeof roles === "string") return err(reply, 400, CC_CODES.invalidRole, roles);
        const assignments = assignmentsOf(b.container_id_assignments);
        if (typeof assignments === "string") return err(reply, 400, CC_CODES.invalidContainer, assignments);
        if (byUsername(b.username as string)) return err(reply, 400, CC_CODES.duplicate, "A user with that username already exists.");
        const id = nextId++;
        users.set(id, user({ id, username: b.username as string, first_name: b.first_name as string, last_name: b.last_name as string, email: b.email as string, job_title: str(b.job_title), telephone: str(b.telephone), access_roles: roles, container_assignments: assignments, is_saml_sso_only: b.is_saml_sso_only === true }));
        return reply.code(201).send({ id });
      });
      app.put("/user/:id", async (request, reply) => {
        const u = find(request, reply);
        if (!u) return reply;
        const b: Body = { username: u.username, ...((request.body ?? {}) as Body) };
        const bad = profileError(b);
        if (bad) return err(reply, 400, CC_CODES.invalidField, bad);
        const clash = byUsername(b.username as string);
        if (clash && clash.id !== u.id) return err(reply, 400, CC_CODES.duplicate, "A user with that username already exists.");
        // Partial replace: omitted job_title / telephone are cleared (DEV-CC-EDITUSER).
        Object.assign(u, { username: b.username, first_name: b.first_name, last_name: b.last_name, email: b.email, job_title: str(b.job_title), telephone: str(b.telephone) });
        if (typeof b.is_saml_sso_only === "boolean") u.is_saml_sso_only = b.is_saml_sso_only;
        return reply.code(204).send();
      });
      app.put("/user/:id/role", async (request, reply) => {
        const u = find(request, reply);
        if (!u) return reply;
        const roles = roleOf((request.body ?? {}) as Body);
        if (typeof roles === "string") return err(reply, 400, CC_CODES.invalidRole, roles);
        u.access_roles = roles;
        // [I] Granting a role is how an admin approves a pending (DigiCert-account-managed) user.
        u.status = "active";
        return reply.code(204).send();
      });
      app.put("/user/:id/container-assignments", async (request, reply) => {
        const u = find(request, reply);
        if (!u) return reply;
        const ids = assignmentsOf(((request.body ?? {}) as Body).container_id_assignments ?? null);
        if (typeof ids === "string") return err(reply, 400, CC_CODES.invalidContainer, ids);
        u.container_assignments = ids; // destructive; [] = unrestricted
        return reply.code(204).send();
      });
      app.delete("/user/:id", async (request, reply) => {
        const u = find(request, reply);
        if (!u) return reply;
        users.delete(u.id);
        return reply.code(204).send();
      });
      app.get("/container", async () => ({ containers }));
      app.get("/container/:id/role", async (request, reply) => {
        const id = Number((request.params as { id: string }).id);
        if (!containers.some((c) => c.id === id)) return err(reply, 404, "not_found", "Container not found.");
        return { access_roles: CC_ROLES };
      });
      app.get("/account", async () => ({ id: 1, root_container_id: rootId, cert_central_type: "retail" }));
      app.get("/key", async (request) => {
        const userId = Number((request.query as Record<string, string>).user_id);
        return { api_keys: [...keys.values()].filter((k) => Number.isNaN(userId) || k.user_id === userId).map(({ user_id, ...k }) => ({ ...k, user: { id: user_id } })) };
      });
      app.put("/key/:id/status", async (request, reply) => {
        const k = keys.get(Number((request.params as { id: string }).id));
        if (!k) return err(reply, 404, "not_found", "API key not found.");
        const status = ((request.body ?? {}) as Body).status;
        if (status !== "active" && status !== "revoked") return err(reply, 400, "invalid_status", "status must be active or revoked");
        k.status = status;
        return reply.code(204).send();
      });
    },
  };
  return plane;
}

function user(u: Partial<CcUser> & Pick<CcUser, "id" | "username" | "email" | "first_name" | "last_name">): CcUser {
  return { status: "active", access_roles: [], container_assignments: [], is_saml_sso_only: false, ...u };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
