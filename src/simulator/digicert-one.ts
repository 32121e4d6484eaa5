import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RollingWindows } from "./faults.js";
import { enforceWindows, intParam, page, retryAfterHeader, type PlaneModule, type SimContext } from "./plane.js";

/**
 * [I] Application codes and role names of the DigiCert ONE managers. Only `account_manager` is a
 * confirmed application_code; the others and the role ids are stand-ins (role names: DOCS-*-ROLES).
 */
export const ONE_APPLICATIONS: Record<string, { name: string; roles: string[] }> = {
  trust_lifecycle: { name: "Trust Lifecycle", roles: ["Manager", "View only", "Infrastructure admin", "Reporting admin", "SSP Manager", "Certificate profile manager"] },
  software_trust: { name: "Software Trust", roles: ["Lead", "Developer", "Team Lead", "Signer", "Build Engineer"] },
  document_trust: { name: "Document Trust", roles: ["DTM document signer", "Client admin", "Organization approver"] },
  iot_trust: { name: "IoT Trust", roles: ["Account Manager", "Device Creator", "Device Administrator"] },
  account_manager: { name: "Account Manager", roles: ["Account Administrator", "Account user"] },
};

interface OneRole {
  id: string;
  name: string;
  application_code: string;
}
interface OneUser {
  id: string;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  status: "ACTIVE" | "DISABLED";
  created_at: string;
  roles: string[];
}
type Body = Record<string, unknown>;

export function digicertOnePlane(ctx: SimContext): PlaneModule {
  const o = ctx.options.digicertOne;
  const accountId = randomUUID();
  const roles: OneRole[] = Object.entries(ONE_APPLICATIONS).flatMap(([code, app]) =>
    app.roles.map((name) => ({ id: randomUUID(), name, application_code: code })),
  );
  const configuredRoles = roles.length;
  let users = new Map<string, OneUser>();
  let errorFlip = 0;

  const adminId = randomUUID();
  const reset = () => {
    roles.length = configuredRoles;
    users = new Map();
    users.set(adminId, { id: adminId, username: "sim-admin", email: "admin@example.com", first_name: "Sim", last_name: "Admin", status: "ACTIVE", created_at: new Date(ctx.now()).toISOString(), roles: [roles.find((r) => r.name === "Account Administrator")!.id] });
  };
  reset();

  const render = (u: OneUser) => {
    const held = roles.filter((r) => u.roles.includes(r.id));
    const apps = [...new Set(held.map((r) => r.application_code))];
    return {
      id: u.id,
      username: u.username,
      email: u.email,
      first_name: u.first_name,
      last_name: u.last_name,
      status: u.status,
      access_scope: "account",
      primary_account_id: accountId,
      created_at: u.created_at,
      user_type: "standard",
      locale: "en_US",
      applications: apps.map((code) => ({ id: code, name: ONE_APPLICATIONS[code]!.name, permissions: [] })),
      roles: held,
    };
  };
  const byUsername = (name: string) => [...users.values()].find((u) => u.username.toLowerCase() === name.toLowerCase());

  const plane: PlaneModule = {
    plane: "digicert-one",
    prefix: "/account/api/v1",
    windows: new RollingWindows(o.rateLimits, ctx.now),
    // DigiCert ONE documents {"error":{...}} but its examples use {"errors":[...]}: clients must read both.
    sendError(reply, status, code, message, headers = {}) {
      const singular = o.errorDialect === "error" || (o.errorDialect === "alternate" && errorFlip++ % 2 === 1);
      return reply.code(status).headers(headers).send(singular ? { error: { code, message } } : { errors: [{ code, message }] });
    },
    // [I] DigiCert ONE publishes no code for a 429; this one is invented. The providers act on the
    // status and Retry-After only, so nothing depends on it.
    sendRateLimited: (reply, fault) =>
      plane.sendError(reply, 429, "rate_limit_exceeded", "Too many requests", retryAfterHeader(fault?.retryAfter ?? "1", ctx.now())),
    reset,
    state: () => ({ accountId, users: [...users.values()].map(render), roles }),
    addCatalogEntry(name, application) {
      if (!application || !ONE_APPLICATIONS[application]) throw new Error(`a DigiCert ONE role needs an application code (${Object.keys(ONE_APPLICATIONS).join(", ")})`);
      const role = { id: randomUUID(), name, application_code: application };
      roles.push(role);
      return role.id;
    },
    seedUsers(count, prefix) {
      for (let i = 0; i < count; i++) {
        const id = randomUUID();
        users.set(id, { id, username: `${prefix}${i}`, email: `${prefix}${i}@example.com`, first_name: "Seed", last_name: String(i), status: "ACTIVE", created_at: new Date(ctx.now()).toISOString(), roles: [] });
      }
    },
    routes(app: FastifyInstance) {
      const err = (reply: FastifyReply, status: number, code: string, message: string) => plane.sendError(reply, status, code, message);
      app.addHook("preHandler", async (request, reply) => {
        const key = request.headers["x-api-key"];
        if (typeof key !== "string" || !o.apiKeys.includes(key)) return err(reply, 401, "invalid_api_key", "The API key is missing or invalid.");
        request.simCredential = key;
        return enforceWindows(plane, request, reply);
      });
      const find = (request: FastifyRequest, reply: FastifyReply) => {
        const id = (request.params as { id: string }).id;
        const u = users.get(id === "me" ? adminId : id);
        if (!u) void err(reply, 404, "resource_not_found", "User not found.");
        return u;
      };
      const validate = (b: Body, creating: boolean): string | undefined => {
        if (creating && (typeof b.username !== "string" || b.username.length === 0)) return "username is required";
        for (const f of ["email", "first_name", "last_name"]) if (typeof b[f] !== "string") return `${f} is required`;
        if (!Array.isArray(b.roles) || !b.roles.every((r) => roles.some((x) => x.id === r))) return "roles must be a list of role ids";
        return undefined;
      };

      app.get("/user", async (request) => {
        const q = request.query as Record<string, string>;
        let list = [...users.values()];
        if (q.username) list = list.filter((u) => u.username.toLowerCase() === q.username!.toLowerCase());
        if (q.user_type && q.user_type !== "standard") list = [];
        // A bare JSON array, as documented; paging parameters are [I].
        return page(list, intParam(q.offset, 0), Math.min(intParam(q.limit, 100), 1000)).map(render);
      });
      app.get("/user/:id", async (request, reply) => {
        const u = find(request, reply);
        return u ? render(u) : reply;
      });
      app.post("/user", async (request, reply) => {
        const b = (request.body ?? {}) as Body;
        const bad = validate(b, true);
        if (bad) return err(reply, 400, "invalid_request", bad);
        if (byUsername(b.username as string)) return err(reply, 400, "duplicate_error", `Username ${String(b.username)} already exists`);
        const u: OneUser = { id: randomUUID(), username: b.username as string, email: b.email as string, first_name: b.first_name as string, last_name: b.last_name as string, status: "ACTIVE", created_at: new Date(ctx.now()).toISOString(), roles: b.roles as string[] };
        users.set(u.id, u);
        return reply.code(201).send(render(u));
      });
      app.put("/user/:id", async (request, reply) => {
        const u = find(request, reply);
        if (!u) return reply;
        const b = (request.body ?? {}) as Body;
        const bad = validate(b, false);
        if (bad) return err(reply, 400, "invalid_request", bad);
        Object.assign(u, { email: b.email, first_name: b.first_name, last_name: b.last_name, roles: b.roles });
        return render(u);
      });
      app.delete("/user/:id", async (request, reply) => {
        const u = find(request, reply);
        if (!u) return reply;
        users.delete(u.id);
        return reply.code(204).send();
      });
      app.get("/role", async (request) => {
        const code = (request.query as Record<string, string>).application_code;
        return roles.filter((r) => !code || r.application_code === code);
      });
      app.get("/account", async () => [{ id: accountId, name: "Simulated account", active: true, locale: "en_US" }]);
    },
  };
  return plane;
}
