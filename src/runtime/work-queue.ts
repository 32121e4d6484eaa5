import type { WorkQueueMetrics } from "./metrics.js";
import { type RateLimiter, defaultControllerRateLimiter } from "./rate-limiter.js";
import { type Clock, type TimerHandle, systemClock } from "./timing.js";

export interface WorkQueueOptions<K> {
  /** Defaults to the system clock; unit tests pass a fake one. */
  clock?: Clock;
  /** Defaults to controller-runtime's: per item 5 ms → 1000 s, overall 10 qps with burst 100. */
  rateLimiter?: RateLimiter<K>;
  metrics?: WorkQueueMetrics;
}

/**
 * client-go's rate-limited, delaying work queue, single-process edition.
 *
 * - De-duplication: an item waiting in the queue is there once however often it is added.
 * - Exclusivity: an item handed out by get() is not handed out again until done(); adds in the
 *   meantime mark it dirty, and done() puts it back exactly once, so N events during a reconcile
 *   cause one more pass, never N and never zero.
 * - addAfter() holds an item back; re-adding a held item keeps the earlier time.
 * - addRateLimited() = addAfter(rate limiter's delay); forget() resets the item's backoff.
 */
export class WorkQueue<K = string> {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter<K>;
  readonly #metrics: WorkQueueMetrics | undefined;
  readonly #queue = new Fifo<K>();
  readonly #dirty = new Set<K>();
  /** Items handed out and not yet done, with the time they were handed out. */
  readonly #processing = new Map<K, number>();
  /** When each dirty item was added, for workqueue_queue_duration_seconds. */
  readonly #addedAt = new Map<K, number>();
  /** Held-back items and their ready time; the heap may hold stale entries, this map is the truth. */
  readonly #waiting = new Map<K, number>();
  readonly #heap = new MinHeap<{ item: K; readyAt: number }>((a, b) => a.readyAt - b.readyAt);
  #timer: { handle: TimerHandle; at: number } | undefined;
  #getters: Array<(item: K | undefined) => void> = [];
  #shuttingDown = false;
  #draining = false;
  #drained: Array<() => void> = [];

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#limiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    this.#metrics = options.metrics;
    this.#metrics?.inFlight(() => this.#inFlight());
  }

  /** Queues the item now unless it is queued already (or dirty while being processed). */
  add(item: K): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#dirty.add(item);
    this.#addedAt.set(item, this.#clock.now());
    this.#metrics?.added();
    if (this.#processing.has(item)) return;
    this.#enqueue(item);
  }

  /** Adds the item after `delayMs`; an item already held back keeps the earlier of the two times. */
  addAfter(item: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) return this.add(item);
    const readyAt = this.#clock.now() + delayMs;
    const current = this.#waiting.get(item);
    if (current !== undefined && current <= readyAt) return;
    this.#waiting.set(item, readyAt);
    this.#heap.push({ item, readyAt });
    this.#arm();
  }

  /** Adds the item after the rate limiter's delay for it (backoff that grows with each failure). */
  addRateLimited(item: K): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retried();
    this.addAfter(item, this.#limiter.when(item));
  }

  /** Resets the item's backoff; call after it was processed successfully. */
  forget(item: K): void {
    this.#limiter.forget(item);
  }

  /** How many times the item was rate-limited since its last forget(). */
  numRequeues(item: K): number {
    return this.#limiter.retries(item);
  }

  /**
   * The next item to process, waiting until there is one. Resolves undefined once the queue is shut
   * down (after draining, if shutDownWithDrain was used). Every item received must be passed to done().
   */
  get(): Promise<K | undefined> {
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks the item processed; if it was added meanwhile, it goes back in the queue once. */
  done(item: K): void {
    const started = this.#processing.get(item);
    if (started === undefined) return;
    this.#processing.delete(item);
    this.#metrics?.worked((this.#clock.now() - started) / 1000);
    if (this.#dirty.has(item) && (!this.#shuttingDown || this.#draining)) this.#enqueue(item);
    this.#checkDrained();
  }

  /** Items waiting to be handed out (not counting held-back or in-process ones). */
  len(): number {
    return this.#queue.length;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops the queue: adds are ignored, held-back and queued items are dropped, waiting get() calls
   * resolve undefined. Items being processed may still call done().
   */
  shutDown(): void {
    this.#stop();
    this.#queue.clear();
    this.#dirty.clear();
    this.#metrics?.depth(0);
    for (const getter of this.#getters.splice(0)) getter(undefined);
    this.#checkDrained();
  }

  /**
   * Stops accepting new items but hands out everything already queued (including items that became
   * dirty while processing) and resolves once the last one is done.
   */
  shutDownWithDrain(): Promise<void> {
    this.#stop();
    this.#draining = true;
    // Getters wait only when the queue is empty: nothing is left for them.
    for (const getter of this.#getters.splice(0)) getter(undefined);
    const drained = new Promise<void>((resolve) => this.#drained.push(resolve));
    this.#checkDrained();
    return drained;
  }

  #stop(): void {
    this.#shuttingDown = true;
    this.#waiting.clear();
    this.#heap.clear();
    if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  #checkDrained(): void {
    if (!this.#shuttingDown || this.#processing.size > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  #enqueue(item: K): void {
    const getter = this.#getters.shift();
    this.#queue.push(item);
    if (getter) getter(this.#take());
    else this.#metrics?.depth(this.#queue.length);
  }

  #take(): K {
    const item = this.#queue.shift() as K;
    const now = this.#clock.now();
    this.#processing.set(item, now);
    this.#dirty.delete(item);
    const addedAt = this.#addedAt.get(item);
    this.#addedAt.delete(item);
    if (addedAt !== undefined) this.#metrics?.queued((now - addedAt) / 1000);
    this.#metrics?.depth(this.#queue.length);
    return item;
  }

  /** Keeps one timer, set for the earliest held-back item. */
  #arm(): void {
    const next = this.#heap.peek();
    if (!next || (this.#timer && this.#timer.at <= next.readyAt)) return;
    if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
    const at = next.readyAt;
    this.#timer = { at, handle: this.#clock.setTimeout(() => this.#release(), Math.max(0, at - this.#clock.now())) };
  }

  #release(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (let next = this.#heap.peek(); next && next.readyAt <= now; next = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#waiting.get(next.item) !== next.readyAt) continue; // superseded by an earlier time
      this.#waiting.delete(next.item);
      this.add(next.item);
    }
    this.#arm();
  }

  #inFlight(): { unfinishedSeconds: number; longestSeconds: number } {
    const now = this.#clock.now();
    let unfinished = 0;
    let longest = 0;
    for (const started of this.#processing.values()) {
      unfinished += now - started;
      longest = Math.max(longest, now - started);
    }
    return { unfinishedSeconds: unfinished / 1000, longestSeconds: longest / 1000 };
  }
}

/** Array-backed FIFO with O(1) amortised shift (Array#shift is O(n) on large arrays). */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

class MinHeap<T> {
  #items: T[] = [];
  constructor(readonly compare: (a: T, b: T) => number) {}
  peek(): T | undefined {
    return this.#items[0];
  }
  push(item: T): void {
    const a = this.#items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (this.compare(a[i]!, a[parent]!) >= 0) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.compare(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.compare(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
  clear(): void {
    this.#items = [];
  }
}
