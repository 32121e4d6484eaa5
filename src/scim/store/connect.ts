import type { KubeConfig } from "@kubernetes/client-node";
import { GROUP, VERSION } from "../../api/v1alpha1/index.js";
import type { Logger } from "../../observability/logger.js";
import { Informer } from "../../runtime/informer.js";
import { KubeClient, collectionPath } from "../../runtime/kube-client.js";
import type { ScimConfig } from "../config.js";
import { KubeStore } from "./kube-store.js";
import { GROUPS, TENANTS, USERS, type GroupObject, type TenantObject, type UserObject } from "./records.js";

export interface KubeScimStoreOptions<U extends UserObject = UserObject, G extends GroupObject = GroupObject, T extends TenantObject = TenantObject> {
  kubeConfig: KubeConfig;
  config: ScimConfig;
  logger: Logger;
  /** Serve only this namespace's tenants. Defaults to every namespace. */
  namespace?: string;
  /**
   * Informers the process already runs (a Manager starts and stops them), so the controllers and the
   * receiver share one cache per kind. The store adds its indexes to them. When absent, the store
   * makes, starts and stops its own.
   */
  shared?: { client: KubeClient; users: Informer<U>; groups: Informer<G>; tenants: Informer<T> };
}

/** The store the operator runs with: informers over DigiCertUsers, ScimGroups and ScimTenants and the runtime's JSON client. */
export function createKubeScimStore<U extends UserObject, G extends GroupObject, T extends TenantObject>(options: KubeScimStoreOptions<U, G, T>): KubeStore {
  const logger = options.logger.child({ component: "scim-store" });
  const common = { fieldManager: options.config.fieldManager, writeConcurrency: options.config.writeConcurrency, logger };
  if (options.shared) {
    // The shared informers hold richer objects (the controllers' types); the store reads them
    // through its own narrower view. Informer<T> is invariant only through its index functions.
    const { client, users, groups, tenants } = options.shared as unknown as { client: KubeClient; users: Informer<UserObject>; groups: Informer<GroupObject>; tenants: Informer<TenantObject> };
    return new KubeStore({ kube: client, users, groups, tenants, ...common, ownsCaches: false });
  }
  const client = new KubeClient(options.kubeConfig);
  const informer = <T extends UserObject | GroupObject | TenantObject>(plural: string) =>
    new Informer<T>({
      client,
      path: collectionPath({ group: GROUP, version: VERSION, plural, ...(options.namespace ? { namespace: options.namespace } : {}) }),
      name: `scim-${plural}`,
      logger: options.logger,
    });
  return new KubeStore({
    kube: client,
    users: informer<UserObject>(USERS),
    groups: informer<GroupObject>(GROUPS),
    tenants: informer<TenantObject>(TENANTS),
    ...common,
    close: () => client.close(),
  });
}
