import type { DigiCertUser, GroupMapping, ScimGroup, ScimTenant } from "../../api/v1alpha1/index.js";
import { GROUP, VERSION } from "../../api/v1alpha1/index.js";
import { Informer, type KubeClient, type KubeObject, collectionPath } from "../../runtime/index.js";
import { cachedUser } from "./cached-user.js";
import type { Logger } from "../../observability/logger.js";

/** The kinds the controllers read, with their plural names. */
export const PLURALS = {
  ScimTenant: "scimtenants",
  GroupMapping: "groupmappings",
  DigiCertUser: "digicertusers",
  ScimGroup: "scimgroups",
} as const;
export type Kind = keyof typeof PLURALS;

/** Index names; values are "namespace/name" of the tenant, group or Secret. */
export const BY_TENANT = "tenant";
export const BY_GROUP = "group";
export const BY_SECRET = "secret";
/** Users the IdP deactivated or deleted, by tenant: what the mass-deprovision guard counts. */
export const BY_DEPROVISIONING = "deprovisioning";

export interface Secret extends KubeObject {
  data?: Record<string, string>;
}

export interface ControllerInformers {
  tenants: Informer<ScimTenant & KubeObject>;
  mappings: Informer<GroupMapping & KubeObject>;
  users: Informer<DigiCertUser & KubeObject>;
  groups: Informer<ScimGroup & KubeObject>;
  secrets: Informer<Secret>;
}

export const objectPath = (kind: Kind, namespace: string, name: string, sub?: "status") =>
  `${collectionPath({ group: GROUP, version: VERSION, plural: PLURALS[kind], namespace })}/${encodeURIComponent(name)}${sub ? `/${sub}` : ""}`;

export const tenantKey = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;
export const tenantKeyOf = (obj: { metadata: { namespace?: string }; spec: { tenantRef: { name: string } } }) =>
  tenantKey(obj.metadata.namespace, obj.spec.tenantRef.name);

/** Builds the five informers the controllers share, with the indexes they look things up by. */
export function createInformers(client: KubeClient, options: { namespace?: string; logger?: Logger; relistIntervalMs?: number; pageSize?: number }): ControllerInformers {
  const ns = options.namespace;
  const common = { client, logger: options.logger, relistIntervalMs: options.relistIntervalMs, pageSize: options.pageSize };
  const crd = <T extends KubeObject>(kind: Kind, transform?: (obj: KubeObject) => T) =>
    new Informer<T>({ ...common, name: PLURALS[kind], path: collectionPath({ group: GROUP, version: VERSION, plural: PLURALS[kind], namespace: ns }), transform });
  const informers: ControllerInformers = {
    tenants: crd("ScimTenant"),
    mappings: crd("GroupMapping"),
    users: crd("DigiCertUser", cachedUser),
    groups: crd("ScimGroup"),
    secrets: new Informer<Secret>({ ...common, name: "secrets", path: collectionPath({ group: "", version: "v1", plural: "secrets", namespace: ns }), transform: slimSecret }),
  };
  informers.users.addIndex(BY_TENANT, (u) => [tenantKeyOf(u)]);
  informers.users.addIndex(BY_DEPROVISIONING, (u) => (u.metadata.deletionTimestamp !== undefined || u.status?.scim?.active === false ? [tenantKeyOf(u)] : []));
  informers.users.addIndex(BY_GROUP, (u) => (u.status?.scim?.groups ?? []).map((g) => `${u.metadata.namespace}/${g.value}`));
  informers.mappings.addIndex(BY_TENANT, (m) => [tenantKeyOf(m)]);
  informers.groups.addIndex(BY_TENANT, (g) => [tenantKeyOf(g)]);
  informers.tenants.addIndex(BY_SECRET, (t) => secretNamesOf(t).map((s) => `${t.metadata.namespace}/${s}`));
  return informers;
}

/**
 * Credentials live in Opaque Secrets; the data of every other type (Helm releases, TLS keys, service
 * account tokens, often large) is dropped from the cache, so watching a namespace's Secrets costs
 * little and holds no key material the operator has no use for.
 */
export function slimSecret(obj: KubeObject): Secret {
  const secret = obj as Secret & { type?: string };
  const { managedFields: _dropped, ...metadata } = secret.metadata ?? {};
  const opaque = secret.type === undefined || secret.type === "Opaque";
  return { apiVersion: secret.apiVersion, kind: secret.kind, metadata, ...(opaque && secret.data ? { data: secret.data } : {}) } as Secret;
}

/** Every Secret a tenant reads: SCIM tokens and per-service credentials. */
export const secretNamesOf = (tenant: ScimTenant): string[] => [
  ...new Set([...tenant.spec.scim.tokenSecretRefs.map((r) => r.name), ...tenant.spec.services.map((s) => s.credentialsSecretRef.name)]),
];
