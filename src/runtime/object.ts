import type { KubeObject } from "./kube-client.js";

/** The cache and work-queue key of an object: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return ns ? `${ns}/${name}` : name;
}

/** Splits a key made by objectKey back into namespace and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

const INTEGER = /^\d+$/;

/**
 * Two views of resourceVersion order. The API conventions call resourceVersions opaque; every
 * etcd-backed server uses the etcd revision, a decimal integer, so integers are compared
 * numerically. For anything else only equality is known, and each function takes the side that
 * cannot lose an update or a deletion.
 */

/** Should `incoming` replace `cached`? Integers: if newer. Opaque: if different (client-go's informer does the same). */
export function supersedes(incoming: string | undefined, cached: string | undefined): boolean {
  if (incoming === undefined) return false;
  if (cached === undefined) return true;
  if (INTEGER.test(incoming) && INTEGER.test(cached)) return BigInt(incoming) > BigInt(cached);
  return incoming !== cached;
}

/** Is `a` provably newer than `b`? Only when both are integers; never for opaque versions. */
export function isProvablyNewer(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && INTEGER.test(a) && INTEGER.test(b) && BigInt(a) > BigInt(b);
}

/**
 * Drops metadata.managedFields, which server-side apply fills with a field-ownership record often
 * larger than the object itself; nothing in the operator reads it from the cache.
 */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
