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
 * Orders two resourceVersions: 1 if `a` is newer, -1 if older, 0 if equal. The API conventions call
 * resourceVersions opaque; etcd-backed servers use the etcd revision, a decimal integer, so two
 * integers are compared numerically. Anything else is compared for equality only, and a difference
 * counts as "a is newer" (the incoming object wins, as client-go's informer assumes). A missing
 * version is never newer than a present one.
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): -1 | 0 | 1 {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x > y ? 1 : x < y ? -1 : 0;
  }
  return 1;
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
