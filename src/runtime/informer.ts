import type { Logger } from "../observability/logger.js";
import { silentLogger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";
import { type KubeClient, type KubeList, type KubeObject, statusError } from "./kube-client.js";
import { Backoff, sleep } from "./timing.js";
import { IndexedStore } from "./indexed-store.js";
import { isProvablyNewer, objectKey, stripManagedFields } from "./object.js";

export interface InformerOptions<T extends KubeObject> {
  client: KubeClient;
  /** Collection path, e.g. from collectionPath(): one namespace or all namespaces. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Name used in logs. Defaults to the path. */
  name?: string;
  /** Objects per list page (limit/continue). Defaults to 500. */
  pageSize?: number;
  /** Full list + diff this often, to heal anything a watch missed. Defaults to 10 min (+≤10 % jitter); 0 disables. */
  relistIntervalMs?: number;
  /** Server-side watch timeout. Defaults to a random 300–600 s per watch, like client-go's reflector. */
  watchTimeoutSeconds?: number;
  /** Reconnect backoff after any error. Defaults to 800 ms doubling to 30 s (client-go's reflector). */
  backoff?: { initialMs?: number; maxMs?: number };
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
type Outcome = "ended" | "expired" | "short";

const NAMESPACE_INDEX = "\u0000namespace";

/**
 * A cache of one resource fed by list + watch, the TypeScript counterpart of client-go's shared
 * informer. It never gives up: every failure (network, 5xx, 410, a watch that goes silent) leads to a
 * reconnect with backoff, and a 410 or an expired continue token to a fresh list that is diffed against
 * the cache so that missed deletions still produce `delete` events.
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
  readonly #opts: InformerOptions<T>;
  readonly #transform: (obj: KubeObject) => T;
  readonly #log: Logger;
  readonly #store: IndexedStore<T>;
  readonly #handlers: { [K in EventName]: Set<InformerHandlers<T>[K]> } = { add: new Set(), update: new Set(), delete: new Set() };
  readonly #backoff: Backoff;
  #synced = false;
  #syncWaiters: Array<(synced: boolean) => void> = [];
  #resourceVersion: string | undefined;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    this.#opts = options;
    this.name = options.name ?? options.path;
    this.#transform = options.transform ?? ((obj) => stripManagedFields(obj) as T);
    this.#log = (options.logger ?? silentLogger()).child({ informer: this.name });
    this.#backoff = new Backoff(options.backoff?.initialMs ?? 800, options.backoff?.maxMs ?? 30_000);
    this.#store = new IndexedStore<T>(`informer ${this.name}`, this.#log);
    this.addIndex(NAMESPACE_INDEX, (obj) => [obj.metadata?.namespace ?? ""]);
  }

  /** Starts list + watch in the background; a second call does nothing. */
  start(): void {
    if (this.#loop) return;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
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
    return this.#resourceVersion;
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

  async #run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let nextRelistAt = Infinity;
    let expiredStreak = 0;
    while (!signal.aborted) {
      try {
        if (needList || Date.now() >= nextRelistAt) {
          await this.#listAndReplace(signal);
          needList = false;
          const every = this.#opts.relistIntervalMs ?? 600_000;
          nextRelistAt = every > 0 ? Date.now() + every * (1 + 0.1 * Math.random()) : Infinity;
        }
        const outcome = await this.#watchOnce(signal, nextRelistAt);
        if (outcome === "expired") {
          this.#log.info({ resourceVersion: this.#resourceVersion }, "watch resourceVersion expired; relisting");
          needList = true;
          // The first 410 relists at once, as client-go does; repeated ones back off.
          if (++expiredStreak > 1) await sleep(this.#backoff.next(), signal);
          continue;
        }
        expiredStreak = 0;
        if (outcome === "short") await sleep(this.#backoff.next(), signal);
        else this.#backoff.reset();
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof RuntimeError && err.code === RUNTIME_ERRORS.GONE) {
          needList = true;
          if (++expiredStreak > 1) await sleep(this.#backoff.next(), signal);
          continue;
        }
        const delayMs = this.#backoff.next();
        this.#log.warn({ err: messageOf(err), code: (err as RuntimeError).code, delayMs }, "list/watch failed; retrying");
        await sleep(delayMs, signal);
      }
    }
  }

  /** Lists every page, then makes the cache equal to the result, emitting the differences. */
  async #listAndReplace(signal: AbortSignal): Promise<void> {
    const listed = new Map<string, T>();
    let listVersion: string | undefined;
    let cont: string | undefined;
    let limit: number | undefined = this.#opts.pageSize ?? 500;
    for (;;) {
      let page: KubeList;
      try {
        page = await this.#opts.client.request<KubeList>({
          path: this.#opts.path,
          query: { limit, continue: cont, labelSelector: this.#opts.labelSelector, fieldSelector: this.#opts.fieldSelector },
          signal,
        });
      } catch (err) {
        // A continue token outlived etcd compaction: start over in one unpaged request (client-go does the same).
        if (cont !== undefined && err instanceof RuntimeError && err.code === RUNTIME_ERRORS.GONE) {
          this.#log.info("list continue token expired; listing without paging");
          listed.clear();
          cont = undefined;
          limit = undefined;
          continue;
        }
        throw err;
      }
      const { apiVersion, kind } = page as unknown as { apiVersion?: string; kind?: string };
      const itemKind = kind?.endsWith("List") ? kind.slice(0, -4) : undefined;
      for (const item of page.items ?? []) {
        // List items carry no apiVersion/kind; add them so cached objects look like watched ones.
        const full = item.kind ? item : { apiVersion, kind: itemKind, ...item };
        const obj = this.#transform(full);
        listed.set(objectKey(obj), obj);
      }
      listVersion = page.metadata?.resourceVersion;
      cont = page.metadata?.continue || undefined;
      if (!cont) break;
    }
    this.#replace(listed, listVersion);
    this.#resourceVersion = listVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter(true);
    }
    this.#log.debug({ count: listed.size, resourceVersion: listVersion }, "listed");
  }

  #replace(listed: Map<string, T>, listVersion: string | undefined): void {
    for (const [key, old] of [...this.#store.entries()]) {
      if (listed.has(key)) continue;
      // Created by our own write after the list's snapshot: the list cannot know it yet.
      if (isProvablyNewer(old.metadata?.resourceVersion, listVersion)) continue;
      this.#store.remove(key);
      this.#emit("delete", old);
    }
    for (const obj of listed.values()) this.#upsert(obj);
  }

  async #watchOnce(signal: AbortSignal, relistAt: number): Promise<Outcome> {
    const watch = new AbortController();
    const stopWatch = () => watch.abort();
    signal.addEventListener("abort", stopWatch, { once: true });
    const relistTimer = relistAt === Infinity ? undefined : setTimeout(stopWatch, Math.max(0, relistAt - Date.now()));
    relistTimer?.unref();
    const timeoutSeconds = this.#opts.watchTimeoutSeconds ?? Math.round(300 * (1 + Math.random()));
    const started = Date.now();
    let events = 0;
    let expired = false;
    try {
      await this.#opts.client.watch(
        {
          path: this.#opts.path,
          query: {
            resourceVersion: this.#resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
            labelSelector: this.#opts.labelSelector,
            fieldSelector: this.#opts.fieldSelector,
          },
          signal: watch.signal,
        },
        (event) => {
          if (watch.signal.aborted) return;
          const object = event.object;
          if (event.type === "ERROR") {
            const status = object as { code?: number };
            if (status.code === 410) {
              expired = true;
              watch.abort();
              return;
            }
            throw statusError(status.code ?? 0, JSON.stringify(object), `watch ${this.#opts.path}`);
          }
          this.#resourceVersion = object.metadata?.resourceVersion ?? this.#resourceVersion;
          if (event.type === "BOOKMARK") return;
          events++;
          const obj = this.#transform(object);
          if (event.type === "DELETED") this.#removeIfNotNewer(obj);
          else this.#upsert(obj);
        },
      );
    } finally {
      clearTimeout(relistTimer);
      signal.removeEventListener("abort", stopWatch);
    }
    if (expired) return "expired";
    // A server that ends watches instantly would otherwise be hammered in a tight loop.
    if (!watch.signal.aborted && events === 0 && Date.now() - started < 1000) return "short";
    return "ended";
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
