/**
 * The SCIM 2.0 receiver. The composition root builds the store, starts it, builds the server and
 * listens (or mounts it):
 *
 *   const store = createKubeScimStore({ kubeConfig, config: config.scim, logger });
 *   await store.start();
 *   const app = buildScimServer({ store, logger, registry, config: config.scim });
 *   await app.listen({ host, port });
 *   …
 *   await app.close(); await store.stop();
 */
export { ScimConfigSchema, type ScimConfig, defaultScimConfig } from "./config.js";
export { buildScimServer, type ScimServerDeps, SCIM_PREFIX } from "./server.js";
export { createKubeScimStore, type KubeScimStoreOptions } from "./store/connect.js";
export type { ScimStore, Tenant, TenantRef } from "./store/store.js";
