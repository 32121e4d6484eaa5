import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../observability/logger.js";
import { TenantAuth } from "./auth.js";
import type { ScimConfig } from "./config.js";
import { createScimMetrics, resourceLabel, type ScimMetrics } from "./metrics.js";
import { SCIM_CONTENT_TYPE, scimRoutes } from "./routes/resources.js";
import { ScimError, scimErrorBodyOf, toScimErrorBody } from "./scim-error.js";
import { RenderCache } from "./service/render-cache.js";
import type { ScimStore, Tenant } from "./store/store.js";
import { jsonDepth } from "./values.js";

export interface ScimServerDeps {
  store: ScimStore;
  logger: Logger;
  registry: Registry;
  config: ScimConfig;
}

export const SCIM_PREFIX = "/scim/v2/:namespace/:tenant";
const JSON_TYPES = /^application\/(scim\+)?json\s*(;|$)/i;
const REQUEST_ID_HEADERS = ["x-request-id", "client-request-id", "x-ms-client-request-id", "x-okta-request-id"];

/**
 * Builds the SCIM 2.0 receiver as an un-started fastify instance serving every ScimTenant at
 * /scim/v2/{namespace}/{tenant}/ (a tenant created later is served at once: the path is a
 * parameter, resolved from the store's cache on each request). The caller listens, or mounts it.
 */
export function buildScimServer(deps: ScimServerDeps): FastifyInstance {
  const { store, config, logger } = deps;
  const metrics = createScimMetrics(deps.registry);
  const auth = new TenantAuth(store, config, metrics, logger);
  const renderCache = new RenderCache(config.renderCacheSize);
  const app = Fastify({
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (req, body, done) => {
    try {
      done(null, parseBody(req.headers["content-type"], body as Buffer, config.maxNestingDepth));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, logger));
  app.setNotFoundHandler((req, reply) => sendError(new ScimError("SCIM_ERR_NOT_FOUND", `no SCIM endpoint at ${req.method} ${pathOf(req.url)}`), req, reply, logger));
  app.addHook("onResponse", async (req, reply) => observe(req, reply, metrics));

  app.register(
    async (scoped) => {
      scoped.addHook("onRequest", async (req) => {
        const params = req.params as { namespace: string; tenant: string };
        const tenant = store.tenant({ namespace: params.namespace, name: params.tenant }) ?? auth.unknownTenant();
        await auth.authenticate(tenant, req.headers.authorization);
        req.scim = {
          tenant,
          baseUrl: baseUrlOf(req, tenant, config.trustProxy),
          store,
          config,
          logger,
          renderCache,
          ...requestId(req),
        };
      });
      scimRoutes(scoped, config.bulk.maxPayloadBytes);
    },
    { prefix: SCIM_PREFIX },
  );
  return app;
}

function parseBody(contentType: string | undefined, body: Buffer, maxDepth: number): unknown {
  if (contentType !== undefined && !JSON_TYPES.test(contentType)) {
    throw new ScimError("SCIM_ERR_MEDIA_TYPE", `Content-Type must be application/scim+json or application/json, not ${contentType.slice(0, 100)}`);
  }
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new ScimError("SCIM_ERR_INVALID_SYNTAX", "the body is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ScimError("SCIM_ERR_INVALID_SYNTAX", `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (jsonDepth(parsed) > maxDepth) throw new ScimError("SCIM_ERR_INVALID_SYNTAX", `the body is nested deeper than ${maxDepth} levels`);
  return parsed;
}

/**
 * One error handler at the edge: RFC 7644 §3.12 bodies, detail only for 4xx. Fastify's own client
 * errors (body too large, bad content) keep their status; anything unexpected is a 500 that says
 * nothing about internals, with the full error in the log.
 */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, logger: Logger): FastifyReply {
  let status: number;
  let body;
  let headers: Record<string, string> = {};
  if (err instanceof ScimError) {
    status = err.status;
    body = scimErrorBodyOf(err);
    headers = err.headers;
    if (status >= 500) logger.warn({ code: err.code, cause: causeMessage(err), url: pathOf(req.url) }, "SCIM request failed");
  } else {
    const fe = err as FastifyError;
    status = typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
    const scimType = status === 400 ? "invalidSyntax" : undefined;
    body = toScimErrorBody(status, scimType, status === 413 ? "the request body is too large" : fe.message);
    if (status >= 500) logger.error({ err: { message: fe.message, stack: fe.stack }, url: pathOf(req.url) }, "SCIM request failed unexpectedly");
  }
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply.code(status).header("content-type", SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}

const causeMessage = (err: Error) => (err.cause instanceof Error ? err.cause.message : undefined);

/** The path without the query string, which may carry a filter with personal data. */
const pathOf = (url: string) => url.split("?")[0]!.slice(0, 300);

function observe(req: FastifyRequest, reply: FastifyReply, metrics: ScimMetrics): void {
  const tenant = req.scim ? `${req.scim.tenant.ref.namespace}/${req.scim.tenant.ref.name}` : "unknown";
  const resource = resourceLabel((req.routeOptions.url ?? "").slice(SCIM_PREFIX.length));
  const method = req.method;
  metrics.requests.inc({ tenant, resource, method, status: String(reply.statusCode) });
  metrics.duration.observe({ resource, method }, reply.elapsedTime / 1000);
}

/** The tenant's SCIM root as the IdP sees it: the configured external URL, or the (proxied) request's. */
function baseUrlOf(req: FastifyRequest, tenant: Tenant, trustProxy: boolean): string {
  const suffix = `/scim/v2/${tenant.ref.namespace}/${tenant.ref.name}`;
  if (tenant.externalBaseUrl) {
    const base = tenant.externalBaseUrl.replace(/\/+$/, "");
    return base.endsWith(suffix) ? base : `${base}${suffix}`;
  }
  const forwardedPrefix = trustProxy ? String(req.headers["x-forwarded-prefix"] ?? "").split(",")[0]!.trim().replace(/\/+$/, "") : "";
  return `${req.protocol}://${req.host}${forwardedPrefix}${suffix}`;
}

function requestId(req: FastifyRequest): { requestId?: string } {
  for (const h of REQUEST_ID_HEADERS) {
    const v = req.headers[h];
    if (typeof v === "string" && v !== "") return { requestId: v.slice(0, 128) };
  }
  return {};
}
