import { randomBytes, randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RollingWindows } from "./faults.js";
import { enforceWindows, intParam, page, type PlaneModule, type SimContext } from "./plane.js";

/** [I] UltraDNS's three built-in user groups; whether DigiCert DNS keeps them is unknown. */
export const DNS_GROUPS = ["Administrative", "Reporting", "Technical"];

interface DnsUser {
  userId: string;
  userName: string;
  email: string;
  firstName: string;
  lastName: string;
  status: "ACTIVE" | "SUSPENDED";
  groups: Set<string>;
}
type Body = Record<string, unknown>;

/**
 * DigiCert DNS access management. Documented: the API key is exchanged at /auth/login for a token
 * valid one hour, and the /accessmanagement/... resources. [I] Everything else here (payload field
 * names, the UltraDNS-style [{errorCode, errorMessage}] error body, paging) is modelled on UltraDNS.
 */
export function dnsPlane(ctx: SimContext): PlaneModule {
  const o = ctx.options.dns;
  const groups = DNS_GROUPS.map((name) => ({ id: randomUUID(), name }));
  const configuredGroups = groups.length;
  let users = new Map<string, DnsUser>();
  let tokens = new Map<string, { expiresAt: number; apiKey: string }>();
  const reset = () => {
    groups.length = configuredGroups;
    users = new Map();
    tokens = new Map();
  };
  const render = (u: DnsUser) => ({
    userId: u.userId,
    userName: u.userName,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    status: u.status,
    userGroups: groups.filter((g) => u.groups.has(g.id)),
  });
  const byName = (name: string) => [...users.values()].find((u) => u.userName.toLowerCase() === name.toLowerCase());

  const plane: PlaneModule = {
    plane: "dns",
    prefix: "/dns",
    windows: new RollingWindows(o.rateLimits, ctx.now),
    sendError: (reply, status, code, message, headers = {}) =>
      reply.code(status).headers(headers).send([{ errorCode: code, errorMessage: message }]),
    sendRateLimited: (reply) => plane.sendError(reply, 429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
    reset,
    state: () => ({ users: [...users.values()].map(render), groups, activeTokens: tokens.size }),
    addCatalogEntry(name) {
      const group = { id: randomUUID(), name };
      groups.push(group);
      return group.id;
    },
    seedUsers(count, prefix) {
      for (let i = 0; i < count; i++) {
        const userId = randomUUID();
        users.set(userId, { userId, userName: `${prefix}${i}`, email: `${prefix}${i}@example.com`, firstName: "Seed", lastName: String(i), status: "ACTIVE", groups: new Set() });
      }
    },
    routes(app: FastifyInstance) {
      const err = (reply: FastifyReply, status: number, code: string, message: string) => plane.sendError(reply, status, code, message);
      const bearer = (request: FastifyRequest) => /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];

      app.post("/auth/login", async (request, reply) => {
        const key = bearer(request);
        if (!key || !o.apiKeys.includes(key)) return err(reply, 401, "INVALID_API_KEY", "The API key is invalid or expired.");
        const accessToken = randomBytes(24).toString("base64url");
        tokens.set(accessToken, { expiresAt: ctx.now() + o.tokenTtlMs, apiKey: key });
        return { accessToken, tokenType: "Bearer", expiresIn: Math.floor(o.tokenTtlMs / 1000) };
      });

      app.register(async (am) => {
        am.addHook("preHandler", async (request, reply) => {
          const token = tokens.get(bearer(request) ?? "");
          if (!token || token.expiresAt <= ctx.now()) return err(reply, 401, "INVALID_TOKEN", "The access token is invalid or has expired.");
          request.simCredential = token.apiKey;
          return enforceWindows(plane, request, reply);
        });
        const find = (request: FastifyRequest, reply: FastifyReply) => {
          const u = users.get((request.params as { id: string }).id);
          if (!u) void err(reply, 404, "USER_NOT_FOUND", "User not found.");
          return u;
        };
        const members = (action: "add" | "remove") => async (request: FastifyRequest, reply: FastifyReply) => {
          const g = groups.find((x) => x.id === (request.params as { id: string }).id);
          if (!g) return err(reply, 404, "USER_GROUP_NOT_FOUND", "User group not found.");
          const ids = ((request.body ?? {}) as Body).userIds;
          if (!Array.isArray(ids) || ids.some((id) => !users.has(String(id)))) return err(reply, 400, "INVALID_USER_IDS", "userIds must list existing users");
          for (const id of ids) users.get(String(id))!.groups[action === "add" ? "add" : "delete"](g.id);
          return reply.code(204).send();
        };

        am.get("/users", async (request) => {
          const q = request.query as Record<string, string>;
          let list = [...users.values()];
          if (q.userName) list = list.filter((u) => u.userName.toLowerCase() === q.userName!.toLowerCase());
          const offset = intParam(q.offset, 0);
          const limit = Math.min(intParam(q.limit, 100), 1000);
          const slice = page(list, offset, limit);
          return { users: slice.map(render), resultInfo: { totalCount: list.length, offset, returnedCount: slice.length } };
        });
        am.get("/users/:id", async (request, reply) => {
          const u = find(request, reply);
          return u ? render(u) : reply;
        });
        am.post("/users", async (request, reply) => {
          const b = (request.body ?? {}) as Body;
          for (const f of ["userName", "email", "firstName", "lastName"]) if (typeof b[f] !== "string" || b[f] === "") return err(reply, 400, "INVALID_INPUT", `${f} is required`);
          if (byName(b.userName as string)) return err(reply, 409, "USER_ALREADY_EXISTS", "A user with that userName already exists.");
          const u: DnsUser = { userId: randomUUID(), userName: b.userName as string, email: b.email as string, firstName: b.firstName as string, lastName: b.lastName as string, status: "ACTIVE", groups: new Set() };
          users.set(u.userId, u);
          return reply.code(201).send({ userId: u.userId });
        });
        am.patch("/users/:id", async (request, reply) => {
          const u = find(request, reply);
          if (!u) return reply;
          const b = (request.body ?? {}) as Body;
          if (b.status !== undefined && b.status !== "ACTIVE" && b.status !== "SUSPENDED") return err(reply, 400, "INVALID_INPUT", "status must be ACTIVE or SUSPENDED");
          for (const f of ["email", "firstName", "lastName", "status"] as const) if (typeof b[f] === "string") (u as unknown as Body)[f] = b[f];
          return render(u);
        });
        am.delete("/users/:id", async (request, reply) => {
          const u = find(request, reply);
          if (!u) return reply;
          users.delete(u.userId);
          return reply.code(204).send();
        });
        am.get("/usergroups", async () => ({ userGroups: groups }));
        am.post("/usergroups/:id/members/bulk/add", members("add"));
        am.post("/usergroups/:id/members/bulk/remove", members("remove"));
      }, { prefix: "/accessmanagement" });
    },
  };
  return plane;
}
