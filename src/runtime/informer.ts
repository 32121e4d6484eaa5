import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import type { KubeObject } from "./kube-client.js";
import { IndexedStore } from "./indexed-store.js";
import { ListWatchLoop, type ListWatchOptions } from "./list-watch.js";
import { isProvablyNewer, objectKey, stripManagedFields } from "./object.js";

export interface InformerOptions<T extends KubeObject> extends ListWatchOptions {
  /** Name used in logs. Defaults to the path. */
  name?: string;
  /** Applied to every object before it is cached. Defaults to dropping metadata.managedFields. */
  transform?: (obj: KubeObject) => T;
  logger?: Logger;
}

export interface InformerHandlers<T> {
  add: (obj: T) => void;
  update: (oldObj: T, newObj: T) => void;
  delete: (obj: T) => void;
}

type EventName = keyof InformerHandlers<unknown>;

const NAMESPACE_INDEX = "\u0000namespace";

/**
 * A cache of one resource fed by list + watch, the TypeScript counterpart of client-go's shared
 * informer. The list/watch loop (ListWatchLoop) never gives up: every failure (network, timeout, 5xx,
 * 410, a watch that goes silent) leads to a reconnect with backoff, and a 410 or an expired continue
 * token to a fresh list. This class is the cache and its bookkeeping: each list is diffed against the
 * cache so that missed additions and deletions still produce `add` and `delete` events.
 *
 * Cached objects are shared, not copied: handlers and readers must not mutate them (structuredClone
 * first). Events are triggers; reconcilers re-read state from `get`.
 *
 * resourceVersions: the API conventions call them opaque, but every etcd-backed server uses the etcd
 * revision, a decimal integer. When both sides are integers the cache keeps the newer object, so an
 * object applied with `applyWrite` is not overwritten by an older watch event or list snapshot. When
 * either is not an integer, the incoming object or deletion wins whenever the versions differ
 * (opaque semantics: read-your-writes then only holds until the watch catches up).
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly #transform: (obj: KubeObject) => T;
  readonly #log: Logger;
  readonly #store: IndexedStore<T>;
  readonly #handlers: { [K in EventName]: Set<InformerHandlers<T>[K]> } = { add: new Set(), update: new Set(), delete: new Set() };
  readonly #listWatch: ListWatchLoop<T>;
  #synced = false;
  #syncWaiters: Array<(synced: boolean) => void> = [];
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.name = options.name ?? options.path;
    this.#transform = options.transform ?? ((obj) => stripManagedFields(obj) as T);
    this.#log = (options.logger ?? silentLogger()).child({ informer: this.name });
    this.#store = new IndexedStore<T>(`informer ${this.name}`, this.#log);
    this.addIndex(NAMESPACE_INDEX, (obj) => [obj.metadata?.namespace ?? ""]);
    this.#listWatch = new ListWatchLoop<T>(
      options,
      this.#transform,
      {
        replace: (listed, listVersion) => this.#replace(listed, listVersion),
        upsert: (obj) => this.#upsert(obj),
        remove: (obj) => this.#removeIfNotNewer(obj),
      },
      this.#log,
    );
  }

  /** Starts list + watch in the background; a second call does nothing. */
  start(): void {
    if (this.#loop) return;
    this.#abort = new AbortController();
    this.#loop = this.#listWatch.run(this.#abort.signal);
  }

  /** Stops watching; the cache keeps its content, waiters of waitForSync get `false`. start() may follow. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
    for (const waiter of this.#syncWaiters.splice(0)) waiter(false);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves true once the first full list is in the cache, false if stopped or aborted first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted || this.#abort?.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (synced: boolean) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(synced);
      };
      const onAbort = () => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== settle);
        settle(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#syncWaiters.push(settle);
    });
  }

  /** The resourceVersion the next watch resumes from (of the last list, event or bookmark). */
  get resourceVersion(): string | undefined {
    return this.#listWatch.resourceVersion;
  }

  /** Subscribes to cache changes; returns the unsubscribe function. Handler errors are logged, never thrown. */
  on<K extends EventName>(event: K, handler: InformerHandlers<T>[K]): () => void {
    this.#handlers[event].add(handler);
    return () => this.#handlers[event].delete(handler);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#store.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    return namespace === undefined ? this.#store.values() : this.#store.byIndex(NAMESPACE_INDEX, namespace);
  }

  get size(): number {
    return this.#store.size;
  }

  /**
   * Adds a secondary index: `fn` maps an object to the values it is found under. It must be a pure
   * function of the object. Adding an index to a filled cache indexes what is already there.
   */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.#store.addIndex(name, fn);
  }

  /** The objects an index maps to `value` (empty for an unknown value). */
  byIndex(name: string, value: string): T[] {
    return this.#store.byIndex(name, value);
  }

  /**
   * Read-your-writes: puts an object returned by this process's own create/update/patch into the
   * cache at once (with the usual add/update events), so the next reconcile does not act on the
   * stale copy. A later watch event carrying an older resourceVersion does not regress it. The
   * object must be in this informer's scope (path and selectors). Returns what the cache now holds.
   */
  applyWrite(obj: KubeObject): T {
    const transformed = this.#transform(obj);
    this.#upsert(transformed);
    return this.#store.get(objectKey(transformed)) ?? transformed;
  }

  /** Makes the cache equal to a complete list, emitting the differences; the first one completes sync. */
  #replace(listed: Map<string, T>, listVersion: string | undefined): void {
    for (const [key, old] of [...this.#store.entries()]) {
      if (listed.has(key)) continue;
      // Created by our own write after the list's snapshot: the list cannot know it yet.
      if (isProvablyNewer(old.metadata?.resourceVersion, listVersion)) continue;
      this.#store.remove(key);
      this.#emit("delete", old);
    }
    for (const obj of listed.values()) this.#upsert(obj);
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter(true);
    }
  }

  #upsert(obj: T): void {
    const { stored, old } = this.#store.upsert(obj);
    if (!stored) return;
    if (old) this.#emit("update", old, obj);
    else this.#emit("add", obj);
  }

  #removeIfNotNewer(deleted: T): void {
    if (this.#store.removeIfNotNewer(deleted)) this.#emit("delete", deleted);
  }

  #emit<K extends EventName>(event: K, ...args: Parameters<InformerHandlers<T>[K]>): void {
    for (const handler of this.#handlers[event]) {
      try {
        (handler as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.#log.error({ event, err: messageOf(err) }, "informer event handler threw");
      }
    }
  }
}
