import type { KubeConfig } from "@kubernetes/client-node";
import { GROUP, VERSION } from "../../api/v1alpha1/index.js";
import type { Logger } from "../../observability/logger.js";
import { Informer } from "../../runtime/informer.js";
import { KubeClient, collectionPath } from "../../runtime/kube-client.js";
import type { ScimConfig } from "../config.js";
import { KubeStore } from "./kube-store.js";
import { GROUPS, TENANTS, USERS, type GroupObject, type TenantObject, type UserObject } from "./records.js";

/**
 * The store the operator runs with: informers over DigiCertUsers, ScimGroups and ScimTenants in all
 * namespaces (or one, when `namespace` is set) and the runtime's JSON client for writes.
 */
export function createKubeScimStore(options: { kubeConfig: KubeConfig; config: ScimConfig; logger: Logger; namespace?: string }): KubeStore {
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
    fieldManager: options.config.fieldManager,
    writeConcurrency: options.config.writeConcurrency,
    logger: options.logger.child({ component: "scim-store" }),
    close: () => client.close(),
  });
}
