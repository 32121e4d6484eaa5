import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { API_VERSION } from "../../src/api/v1alpha1/index.js";
import { createLogger } from "../../src/observability/logger.js";
import { createRegistry } from "../../src/observability/metrics.js";
import { ScimConfigSchema } from "../../src/scim/config.js";
import { buildScimServer } from "../../src/scim/server.js";
import { createKubeScimStore } from "../../src/scim/store/connect.js";
import type { ScimStore } from "../../src/scim/store/store.js";
import { eventually } from "./eventually.js";
import { crdPath, type TestCluster } from "./kube.js";

export interface ScimResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // Tests read SCIM JSON freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One SCIM receiver "replica" over the test namespace, driven through fastify's inject. */
export interface ScimReplica {
  app: FastifyInstance;
  store: ScimStore;
  /** Every log line written, for assertions on audit lines and on secrets never being logged. */
  logs: string[];
  registry: ReturnType<typeof createRegistry>;
  close(): Promise<void>;
}

/** `kubeConfig` replaces the cluster's, e.g. to go through a FaultProxy. */
export async function startReplica(cluster: TestCluster, overrides: z.input<typeof ScimConfigSchema> = {}, kubeConfig = cluster.kc): Promise<ScimReplica> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  const config = ScimConfigSchema.parse(overrides);
  const store = createKubeScimStore({ kubeConfig, config, logger, namespace: cluster.namespace });
  await store.start();
  const registry = createRegistry({ defaultMetrics: false });
  const app = buildScimServer({ store, logger, registry, config });
  await app.ready();
  return {
    app,
    store,
    logs,
    registry,
    async close() {
      await app.close();
      await store.stop();
    },
  };
}

/** Creates a token Secret and a ScimTenant in the test namespace and waits until `replicas` see it. */
export async function createTenant(cluster: TestCluster, name: string, tokens: string[], replicas: ScimReplica[] = []): Promise<void> {
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: `${name}-tokens` }, stringData: Object.fromEntries(tokens.map((t, i) => [`token${i}`, t])) },
  });
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: { metadata: { name: `${name}-digicert` }, stringData: { key: "x" } },
  });
  await cluster.custom.createNamespacedCustomObject({
    ...crdPath("ScimTenant"),
    namespace: cluster.namespace,
    body: {
      apiVersion: API_VERSION,
      kind: "ScimTenant",
      metadata: { name },
      spec: {
        scim: { tokenSecretRefs: tokens.map((_, i) => ({ name: `${name}-tokens`, key: `token${i}` })) },
        services: [{ service: "certcentral", credentialsSecretRef: { name: `${name}-digicert`, key: "key" } }],
      },
    },
  });
  for (const r of replicas) await eventually(() => r.store.tenant({ namespace: cluster.namespace, name }) !== undefined);
}

export interface ScimClient {
  (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimResponse>;
}

/** A client bound to one tenant and token, as an IdP would be. */
export function scimClient(replica: ScimReplica, namespace: string, tenant: string, token: string | undefined): ScimClient {
  return async (method, path, body, headers = {}) => {
    const res = await replica.app.inject({
      method,
      url: `/scim/v2/${namespace}/${tenant}${path}`,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/scim+json; charset=utf-8" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
    });
    let parsed: unknown;
    try {
      parsed = res.body === "" ? undefined : JSON.parse(res.body);
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed };
  };
}

/** Reads a DigiCertUser straight from the API server, to assert on what is stored. */
export async function storedUser(cluster: TestCluster, id: string): Promise<Record<string, any> | undefined> {
  try {
    return (await cluster.custom.getNamespacedCustomObject({ ...crdPath("DigiCertUser"), namespace: cluster.namespace, name: id })) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export async function storedGroup(cluster: TestCluster, id: string): Promise<Record<string, any> | undefined> {
  try {
    return (await cluster.custom.getNamespacedCustomObject({ ...crdPath("ScimGroup"), namespace: cluster.namespace, name: id })) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
