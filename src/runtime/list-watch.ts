import type { Logger } from "../observability/logger.js";
import { messageOf } from "../errors.js";
import { RUNTIME_ERRORS, RuntimeError } from "./errors.js";
import { type KubeClient, type KubeList, type KubeObject, statusError } from "./kube-client.js";
import { objectKey } from "./object.js";
import { Backoff, sleep } from "./timing.js";

export interface ListWatchOptions {
  client: KubeClient;
  /** Collection path, e.g. from collectionPath(): one namespace or all namespaces. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per list page (limit/continue). Defaults to 500. */
  pageSize?: number;
  /** Full list + diff this often, to heal anything a watch missed. Defaults to 10 min (+≤10 % jitter); 0 disables. */
  relistIntervalMs?: number;
  /** Server-side watch timeout. Defaults to a random 300–600 s per watch, like client-go's reflector. */
  watchTimeoutSeconds?: number;
  /**
   * A watch that delivers nothing (no headers, event or bookmark) for this long is dropped and
   * resumed from its resourceVersion. Defaults to the server-side timeout plus 30 s, so it only fires
   * when the server could not end the watch itself (a half-open connection).
   */
  watchIdleTimeoutMs?: number;
  /** Reconnect backoff after any error. Defaults to 800 ms doubling to 30 s (client-go's reflector). */
  backoff?: { initialMs?: number; maxMs?: number };
}

/** Where the loop delivers what it lists and watches: the informer's cache. */
export interface ListWatchSink<T> {
  /** A complete, consistent list: make the cache equal to it (emitting the differences). */
  replace(listed: Map<string, T>, listVersion: string | undefined): void;
  /** An ADDED or MODIFIED event. */
  upsert(obj: T): void;
  /** A DELETED event. */
  remove(obj: T): void;
}

type Outcome = "ended" | "expired" | "short";

/**
 * client-go's reflector: list (in pages), then watch from the list's resourceVersion, forever. Every
 * failure (network, timeout, 5xx, a watch gone silent) leads to a reconnect with backoff that resumes
 * the watch where it stopped; a 410 or an expired continue token leads to a fresh list. A periodic
 * full relist (replace) heals whatever a watch may have missed.
 */
export class ListWatchLoop<T extends KubeObject> {
  readonly #opts: ListWatchOptions;
  readonly #transform: (obj: KubeObject) => T;
  readonly #sink: ListWatchSink<T>;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #resourceVersion: string | undefined;

  constructor(options: ListWatchOptions, transform: (obj: KubeObject) => T, sink: ListWatchSink<T>, log: Logger) {
    this.#opts = options;
    this.#transform = transform;
    this.#sink = sink;
    this.#log = log;
    this.#backoff = new Backoff(options.backoff?.initialMs ?? 800, options.backoff?.maxMs ?? 30_000);
  }

  /** The resourceVersion the next watch resumes from (of the last list, event or bookmark). */
  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** Lists and watches until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
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

  /** Lists every page, then hands the result to the sink at once, so the cache never holds half a list. */
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
    this.#resourceVersion = listVersion;
    this.#sink.replace(listed, listVersion);
    this.#log.debug({ count: listed.size, resourceVersion: listVersion }, "listed");
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
          idleTimeoutMs: this.#opts.watchIdleTimeoutMs,
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
          if (event.type === "DELETED") this.#sink.remove(obj);
          else this.#sink.upsert(obj);
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
}
