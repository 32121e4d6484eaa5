import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RollingWindows } from "./faults.js";
import { enforceWindows, intParam, type PlaneModule, type SimContext } from "./plane.js";

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

interface ScimUser {
  id: string;
  userName: string;
  givenName: string;
  familyName: string;
  email: string;
  active: boolean;
  /** False for users created in the DigiCert account by hand; SCIM adopts them (DOCS-SCIM-ENABLE). */
  scimManaged: boolean;
}
interface ScimGroup {
  id: string;
  displayName: string;
  members: Set<string>;
}
type Body = Record<string, unknown>;

/**
 * The DigiCert account's SCIM 2.0 endpoint. Its base URL format, attributes and error bodies are
 * not published: [I] this is plain RFC 7644 (filter `eq`, startIndex/count, PATCH, 409 uniqueness)
 * plus the documented matching rules on userName.
 */
export function accountScimPlane(ctx: SimContext): PlaneModule & { addLocalUser(userName: string): string } {
  const o = ctx.options.accountScim;
  let users = new Map<string, ScimUser>();
  let groups = new Map<string, ScimGroup>();
  const reset = () => {
    users = new Map();
    groups = new Map(
      o.groups.map((displayName) => {
        const g: ScimGroup = { id: randomUUID(), displayName, members: new Set() };
        return [g.id, g];
      }),
    );
  };
  reset();

  const renderUser = (u: ScimUser) => ({
    schemas: [USER_SCHEMA],
    id: u.id,
    userName: u.userName,
    name: { givenName: u.givenName, familyName: u.familyName },
    emails: [{ value: u.email, primary: true, type: "work" }],
    active: u.active,
    groups: [...groups.values()].filter((g) => g.members.has(u.id)).map((g) => ({ value: g.id, display: g.displayName })),
    meta: { resourceType: "User" },
  });
  const renderGroup = (g: ScimGroup) => ({
    schemas: [GROUP_SCHEMA],
    id: g.id,
    displayName: g.displayName,
    members: [...g.members].map((value) => ({ value, display: users.get(value)?.userName })),
    meta: { resourceType: "Group" },
  });
  const byName = (name: string) => [...users.values()].find((u) => u.userName.toLowerCase() === name.toLowerCase());
  const newUser = (userName: string, scimManaged: boolean): ScimUser => ({ id: randomUUID(), userName, givenName: "", familyName: "", email: userName, active: true, scimManaged });

  const plane: ReturnType<typeof accountScimPlane> = {
    plane: "account-scim",
    prefix: "/scim/v2",
    windows: new RollingWindows(o.rateLimits, ctx.now),
    sendError: (reply, status, code, message, headers = {}) =>
      reply
        .code(status)
        .headers({ "content-type": "application/scim+json", ...headers })
        .send({ schemas: [ERROR_SCHEMA], status: String(status), ...(code ? { scimType: code } : {}), detail: message }),
    sendRateLimited: (reply) => plane.sendError(reply, 429, "", "Too many requests"),
    reset,
    state: () => ({ users: [...users.values()].map(renderUser), groups: [...groups.values()].map(renderGroup) }),
    addCatalogEntry(displayName) {
      const g: ScimGroup = { id: randomUUID(), displayName, members: new Set() };
      groups.set(g.id, g);
      return g.id;
    },
    seedUsers(count, prefix) {
      for (let i = 0; i < count; i++) {
        const u = newUser(`${prefix}${i}`, true);
        users.set(u.id, u);
      }
    },
    addLocalUser(userName) {
      const u = newUser(userName, false);
      users.set(u.id, u);
      return u.id;
    },
    routes(app: FastifyInstance) {
      const err = (reply: FastifyReply, status: number, code: string, message: string) => plane.sendError(reply, status, code, message);
      app.addContentTypeParser("application/scim+json", { parseAs: "string" }, (_req, body, done) => {
        try {
          done(null, body === "" ? {} : JSON.parse(body as string));
        } catch (e) {
          done(e as Error, undefined);
        }
      });
      app.addHook("preHandler", async (request, reply) => {
        const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
        if (!token || !o.tokens.includes(token)) return err(reply, 401, "", "Authorization failure. The bearer token is missing or invalid.");
        request.simCredential = token;
        return enforceWindows(plane, request, reply);
      });
      const filterValue = (filter: string | undefined, attr: string): string | undefined | null => {
        if (!filter) return undefined;
        const m = new RegExp(`^${attr} eq "((?:[^"\\\\]|\\\\.)*)"$`, "i").exec(filter.trim());
        return m ? m[1]!.replace(/\\(.)/g, "$1") : null;
      };
      const list = <T>(request: FastifyRequest, items: T[]) => {
        const q = request.query as Record<string, string>;
        const start = Math.max(1, intParam(q.startIndex, 1));
        const count = Math.min(intParam(q.count, 100), 1000);
        const slice = items.slice(start - 1, start - 1 + count);
        return { schemas: [LIST_SCHEMA], totalResults: items.length, startIndex: start, itemsPerPage: slice.length, Resources: slice };
      };
      const userFields = (b: Body): Partial<ScimUser> | string => {
        if (typeof b.userName !== "string" || b.userName === "") return "userName is required";
        const name = (b.name ?? {}) as Body;
        const emails = Array.isArray(b.emails) ? (b.emails as Body[]) : [];
        const email = (emails.find((e) => e.primary) ?? emails[0])?.value;
        return { userName: b.userName, givenName: String(name.givenName ?? ""), familyName: String(name.familyName ?? ""), email: typeof email === "string" ? email : b.userName, active: b.active !== false };
      };
      const findUser = (request: FastifyRequest, reply: FastifyReply) => {
        const u = users.get((request.params as { id: string }).id);
        if (!u) void err(reply, 404, "", "User not found");
        return u;
      };
      const findGroup = (request: FastifyRequest, reply: FastifyReply) => {
        const g = groups.get((request.params as { id: string }).id);
        if (!g) void err(reply, 404, "", "Group not found");
        return g;
      };

      app.get("/Users", async (request, reply) => {
        const v = filterValue((request.query as Record<string, string>).filter, "userName");
        if (v === null) return err(reply, 400, "invalidFilter", "Only userName eq \"...\" is supported");
        const items = [...users.values()].filter((u) => v === undefined || u.userName.toLowerCase() === v.toLowerCase());
        return list(request, items.map(renderUser));
      });
      app.get("/Users/:id", async (request, reply) => {
        const u = findUser(request, reply);
        return u ? renderUser(u) : reply;
      });
      app.post("/Users", async (request, reply) => {
        const fields = userFields((request.body ?? {}) as Body);
        if (typeof fields === "string") return err(reply, 400, "invalidValue", fields);
        if (o.foreignUserNames.some((n) => n.toLowerCase() === fields.userName!.toLowerCase())) {
          return err(reply, 409, "uniqueness", "userName belongs to another DigiCert account");
        }
        const existing = byName(fields.userName!);
        if (existing?.scimManaged) return err(reply, 409, "uniqueness", "userName already exists");
        // Same account, not yet SCIM-managed: the documented behaviour is to adopt it.
        const u = existing ?? newUser(fields.userName!, true);
        Object.assign(u, fields, { scimManaged: true });
        users.set(u.id, u);
        return reply.code(201).header("content-type", "application/scim+json").send(renderUser(u));
      });
      app.put("/Users/:id", async (request, reply) => {
        const u = findUser(request, reply);
        if (!u) return reply;
        const fields = userFields((request.body ?? {}) as Body);
        if (typeof fields === "string") return err(reply, 400, "invalidValue", fields);
        Object.assign(u, fields);
        return renderUser(u);
      });
      app.patch("/Users/:id", async (request, reply) => {
        const u = findUser(request, reply);
        if (!u) return reply;
        for (const op of ((request.body as Body)?.Operations ?? []) as Body[]) {
          const value = op.path === "active" ? op.value : (op.value as Body | undefined)?.active;
          if (String(op.op).toLowerCase() !== "replace" || typeof value !== "boolean") return err(reply, 400, "invalidValue", "only replace of active is supported");
          u.active = value;
        }
        return renderUser(u);
      });
      app.delete("/Users/:id", async (request, reply) => {
        const u = findUser(request, reply);
        if (!u) return reply;
        users.delete(u.id);
        for (const g of groups.values()) g.members.delete(u.id);
        return reply.code(204).send();
      });
      app.get("/Groups", async (request, reply) => {
        const v = filterValue((request.query as Record<string, string>).filter, "displayName");
        if (v === null) return err(reply, 400, "invalidFilter", "Only displayName eq \"...\" is supported");
        return list(request, [...groups.values()].filter((g) => v === undefined || g.displayName === v).map(renderGroup));
      });
      app.get("/Groups/:id", async (request, reply) => {
        const g = findGroup(request, reply);
        return g ? renderGroup(g) : reply;
      });
      app.patch("/Groups/:id", async (request, reply) => {
        const g = findGroup(request, reply);
        if (!g) return reply;
        for (const op of ((request.body as Body)?.Operations ?? []) as Body[]) {
          const kind = String(op.op).toLowerCase();
          const path = String(op.path ?? "");
          const filtered = /^members\[value eq "([^"]+)"\]$/.exec(path)?.[1];
          const values = filtered ? [filtered] : Array.isArray(op.value) ? (op.value as Body[]).map((m) => String(m.value)) : [];
          if (!(path === "members" || filtered) || (kind !== "add" && kind !== "remove")) return err(reply, 400, "invalidPath", "only add/remove of members is supported");
          if (kind === "add" && values.some((id) => !users.has(id))) return err(reply, 400, "invalidValue", "unknown member");
          for (const id of values) g.members[kind === "add" ? "add" : "delete"](id);
        }
        return reply.code(204).send();
      });
    },
  };
  return plane;
}
