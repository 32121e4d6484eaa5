import type { Logger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";
import type { KubeObject } from "./kube-client.js";
import { isProvablyNewer, objectKey, supersedes } from "./object.js";

/**
 * The informer's storage: objects by key, secondary indexes kept in step with every write, and
 * writes guarded by resourceVersion so an older copy never replaces a newer one (see supersedes
 * and isProvablyNewer for what "older" means with opaque versions).
 */
export class IndexedStore<T extends KubeObject> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, (obj: T) => string[]>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor(
    readonly owner: string,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  entries(): IterableIterator<[string, T]> {
    return this.#items.entries();
  }

  values(): T[] {
    return [...this.#items.values()];
  }

  addIndex(name: string, fn: (obj: T) => string[]): void {
    if (this.#indexers.has(name)) throw new RuntimeError(RUNTIME_ERRORS.CONFIG, `${this.owner}: index ${name} exists already`);
    this.#indexers.set(name, fn);
    this.#indices.set(name, new Map());
    for (const [key, obj] of this.#items) this.#indexOne(name, fn, key, obj);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.#indices.get(name);
    if (!index) throw new RuntimeError(RUNTIME_ERRORS.CONFIG, `${this.owner}: no index named ${name}`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const obj = this.#items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Stores `obj` unless the cached copy is as new or newer. Returns whether it was stored, and what it replaced. */
  upsert(obj: T): { stored: boolean; old: T | undefined } {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old && !supersedes(obj.metadata?.resourceVersion, old.metadata?.resourceVersion)) return { stored: false, old };
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) this.#indexOne(name, fn, key, obj);
    return { stored: true, old };
  }

  /** Removes the cached copy of a deleted object unless the cache holds a newer one (recreated since). */
  removeIfNotNewer(deleted: T): T | undefined {
    const key = objectKey(deleted);
    const old = this.#items.get(key);
    if (!old || isProvablyNewer(old.metadata?.resourceVersion, deleted.metadata?.resourceVersion)) return undefined;
    this.remove(key);
    return old;
  }

  remove(key: string): void {
    const old = this.#items.get(key);
    if (!old) return;
    this.#unindex(key, old);
    this.#items.delete(key);
  }

  #indexOne(name: string, fn: (obj: T) => string[], key: string, obj: T): void {
    const index = this.#indices.get(name)!;
    for (const value of this.#indexValues(name, fn, obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  #unindex(key: string, old: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name)!;
      for (const value of this.#indexValues(name, fn, old)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  #indexValues(name: string, fn: (obj: T) => string[], obj: T): string[] {
    try {
      return fn(obj);
    } catch (err) {
      this.log.error({ index: name, object: objectKey(obj), err: messageOf(err) }, "index function threw; object not indexed");
      return [];
    }
  }
}
