import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as bulkService from "../service/bulk.js";
import type { RequestInput, ScimContext, ScimResult } from "../service/context.js";
import * as discovery from "../service/discovery.js";
import * as groups from "../service/groups.js";
import { search } from "../service/search.js";
import * as users from "../service/users.js";
import { ScimError } from "../scim-error.js";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

declare module "fastify" {
  interface FastifyRequest {
    scim?: ScimContext;
  }
}

/** Renders a ScimResult: SCIM media type, ETag from the version, Location on 201. */
export function sendResult(reply: FastifyReply, result: ScimResult): FastifyReply {
  reply.code(result.status);
  if (result.version) reply.header("etag", `W/"${result.version}"`);
  if (result.status === 201 && result.location) reply.header("location", result.location);
  if (result.body === undefined && result.json === undefined) return reply.send();
  return reply.header("content-type", SCIM_CONTENT_TYPE).send(result.json ?? JSON.stringify(result.body));
}

const ctxOf = (req: FastifyRequest): ScimContext => {
  if (!req.scim) throw new ScimError("SCIM_ERR_INTERNAL", "request reached a SCIM route without a tenant context");
  return req.scim;
};

const inputOf = (req: FastifyRequest): RequestInput => {
  const h = req.headers;
  return {
    query: (req.query ?? {}) as Record<string, unknown>,
    body: req.body,
    ...(typeof h["if-match"] === "string" ? { ifMatch: h["if-match"] } : {}),
    ...(typeof h["if-none-match"] === "string" ? { ifNoneMatch: h["if-none-match"] } : {}),
  };
};

type Service = typeof users | typeof groups;
type IdParams = { Params: { id: string } };

function resourceRoutes(app: FastifyInstance, endpoint: "Users" | "Groups", svc: Service): void {
  app.get(`/${endpoint}`, async (req, reply) => sendResult(reply, svc.list(ctxOf(req), inputOf(req))));
  app.post(`/${endpoint}`, async (req, reply) => sendResult(reply, await svc.create(ctxOf(req), inputOf(req))));
  app.post(`/${endpoint}/.search`, async (req, reply) => sendResult(reply, search(ctxOf(req), req.body, endpoint)));
  app.get<IdParams>(`/${endpoint}/:id`, async (req, reply) => sendResult(reply, await svc.get(ctxOf(req), req.params.id, inputOf(req))));
  app.put<IdParams>(`/${endpoint}/:id`, async (req, reply) => sendResult(reply, await svc.replace(ctxOf(req), req.params.id, inputOf(req))));
  app.patch<IdParams>(`/${endpoint}/:id`, async (req, reply) => sendResult(reply, await svc.patch(ctxOf(req), req.params.id, inputOf(req))));
  app.delete<IdParams>(`/${endpoint}/:id`, async (req, reply) => sendResult(reply, await svc.remove(ctxOf(req), req.params.id, inputOf(req))));
}

const readOnly = () => {
  throw new ScimError("SCIM_ERR_METHOD", "discovery endpoints are read-only");
};
const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;

/** Every SCIM route below /scim/v2/{namespace}/{tenant}; the tenant context is set by the auth hook. */
export function scimRoutes(app: FastifyInstance, bulkBodyLimit: number): void {
  resourceRoutes(app, "Users", users);
  resourceRoutes(app, "Groups", groups);
  app.post("/.search", async (req, reply) => sendResult(reply, search(ctxOf(req), req.body)));
  app.post("/Bulk", { bodyLimit: bulkBodyLimit }, async (req, reply) => sendResult(reply, await bulkService.bulk(ctxOf(req), req.body)));

  app.get("/ServiceProviderConfig", async (req, reply) => sendResult(reply, discovery.serviceProviderConfig(ctxOf(req).baseUrl, ctxOf(req).config)));
  app.get("/ResourceTypes", async (req, reply) => sendResult(reply, discovery.resourceTypes(ctxOf(req).baseUrl)));
  app.get<{ Params: { name: string } }>("/ResourceTypes/:name", async (req, reply) =>
    sendResult(reply, discovery.resourceTypes(ctxOf(req).baseUrl, req.params.name)),
  );
  app.get("/Schemas", async (req, reply) => sendResult(reply, discovery.schemas(ctxOf(req).baseUrl)));
  app.get<{ Params: { id: string } }>("/Schemas/:id", async (req, reply) => sendResult(reply, discovery.schemas(ctxOf(req).baseUrl, req.params.id)));
  for (const url of ["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/:name", "/Schemas", "/Schemas/:id"]) {
    app.route({ method: [...WRITE_METHODS], url, handler: readOnly });
  }
}
