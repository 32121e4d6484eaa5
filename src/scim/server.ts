import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../observability/logger.js";
import { TenantAuth } from "./auth.js";
import type { ScimConfig } from "./config.js";
import { createScimMetrics, resourceLabel, type ScimMetrics } from "./metrics.js";
import { peerTrusted, proxyTrust, type ProxyTrustFn } from "./proxy-trust.js";
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

declare module "fastify" {
  interface FastifyRequest {
    /** The tenant the path names, set before authentication so even a 401 is counted under it. */
    scimTenant?: Tenant;
  }
}

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
  const trust = proxyTrust(config.trustProxy);
  const app = Fastify({
    bodyLimit: config.maxBodyBytes,
    trustProxy: trust ?? false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    // Errors the router raises before any route or hook (a path that is not valid percent-encoding,
    // a path segment over maxParamLength) get a SCIM body too; fastify runs no onResponse hook for
    // them, so they are counted here.
    frameworkErrors: (err, req, reply) => {
      const tenant = tenantOfUrl(req.url, store);
      if (tenant) req.scimTenant = tenant;
      sendError(frameworkError(err), req, reply, logger);
      observe(req, reply, metrics);
    },
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
        req.scimTenant = tenant;
        await auth.authenticate(tenant, req.headers.authorization);
        req.scim = {
          tenant,
          baseUrl: baseUrlOf(req, tenant, trust),
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

function frameworkError(err: FastifyError): unknown {
  // An id is at most a UUID, so a segment this long names nothing (and fastify's 414 is not SCIM).
  if (err.code === "FST_ERR_MAX_PARAM_LENGTH") return new ScimError("SCIM_ERR_NOT_FOUND", "no SCIM resource has a path segment that long", { cause: err });
  if (err.code === "FST_ERR_BAD_URL") return new ScimError("SCIM_ERR_INVALID_SYNTAX", "the request path is not valid percent-encoded UTF-8", { cause: err });
  return err;
}

const SCIM_PATH = /^\/scim\/v2\/([^/?]*)\/([^/?]*)(\/[^?]*)?/;

/** The tenant a raw URL names, only if it exists: metric labels never take a value a client made up. */
function tenantOfUrl(url: string, store: ScimStore): Tenant | undefined {
  const m = SCIM_PATH.exec(url);
  if (!m) return undefined;
  try {
    return store.tenant({ namespace: decodeURIComponent(m[1]!), name: decodeURIComponent(m[2]!) });
  } catch {
    return undefined;
  }
}

/** The path without the query string, which may carry a filter with personal data. */
const pathOf = (url: string) => url.split("?")[0]!.slice(0, 300);

function observe(req: FastifyRequest, reply: FastifyReply, metrics: ScimMetrics): void {
  const t = req.scim?.tenant ?? req.scimTenant;
  const tenant = t ? `${t.ref.namespace}/${t.ref.name}` : "unknown";
  // Without a matched route (404, framework errors) the label comes from the raw path.
  const route = req.routeOptions.url;
  const resource = resourceLabel(route !== undefined ? route.slice(SCIM_PREFIX.length) : (SCIM_PATH.exec(req.url)?.[3] ?? ""));
  const method = req.method;
  metrics.requests.inc({ tenant, resource, method, status: String(reply.statusCode) });
  metrics.duration.observe({ resource, method }, reply.elapsedTime / 1000);
}

/**
 * The tenant's SCIM root as the IdP sees it: the configured external URL, or the (proxied) request's.
 * req.protocol and req.host honour X-Forwarded-Proto/Host only from a trusted peer (fastify asks
 * `trust`); X-Forwarded-Prefix is held to the same decision here.
 */
function baseUrlOf(req: FastifyRequest, tenant: Tenant, trust: ProxyTrustFn | undefined): string {
  const suffix = `/scim/v2/${tenant.ref.namespace}/${tenant.ref.name}`;
  if (tenant.externalBaseUrl) {
    const base = tenant.externalBaseUrl.replace(/\/+$/, "");
    return base.endsWith(suffix) ? base : `${base}${suffix}`;
  }
  return `${req.protocol}://${req.host}${peerTrusted(trust, req.raw.socket?.remoteAddress) ? forwardedPrefix(req) : ""}${suffix}`;
}

/**
 * The last X-Forwarded-Prefix entry, as fastify takes the last Proto/Host entry: a proxy that appends
 * puts its own value last, so an earlier one may be the client's. Anything but a path is ignored.
 */
function forwardedPrefix(req: FastifyRequest): string {
  const raw = req.headers["x-forwarded-prefix"];
  const last = (Array.isArray(raw) ? raw.join(",") : (raw ?? "")).split(",").pop()!.trim().replace(/\/+$/, "");
  return /^\/[\w\-.~%/]*$/.test(last) ? last : "";
}

function requestId(req: FastifyRequest): { requestId?: string } {
  for (const h of REQUEST_ID_HEADERS) {
    const v = req.headers[h];
    if (typeof v === "string" && v !== "") return { requestId: v.slice(0, 128) };
  }
  return {};
}
