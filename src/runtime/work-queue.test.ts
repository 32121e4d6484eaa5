import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../test/helpers/fake-clock.js";
import { RuntimeMetrics } from "./metrics.js";
import { ItemExponentialRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter, defaultControllerRateLimiter } from "./rate-limiter.js";
import { WorkQueue } from "./work-queue.js";

const settled = async <T>(p: Promise<T>): Promise<{ done: boolean; value?: T }> => {
  let state: { done: boolean; value?: T } = { done: false };
  void p.then((value) => (state = { done: true, value }));
  // Let every pending microtask run before looking.
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

const newQueue = (clock = new FakeClock()) => ({ clock, queue: new WorkQueue<string>({ clock }) });

describe("WorkQueue de-duplication and exclusivity", () => {
  it("holds an item once however often it is added", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
    expect(queue.len()).toBe(0);
  });

  it("never hands out an item being processed, and re-queues it exactly once after done()", async () => {
    const { queue } = newQueue();
    queue.add("a");
    const first = await queue.get();
    const secondWorker = queue.get();
    queue.add("a");
    queue.add("a");
    queue.add("a");
    expect(queue.len()).toBe(0);
    expect((await settled(secondWorker)).done).toBe(false);

    queue.done(first!);
    expect(await settled(secondWorker)).toEqual({ done: true, value: "a" });
    queue.done("a");
    expect(queue.len()).toBe(0);
    expect((await settled(queue.get())).done).toBe(false);
  });

  it("does not re-queue an item that was not added while processed", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.done((await queue.get())!);
    expect(queue.len()).toBe(0);
  });
});

describe("WorkQueue delays", () => {
  it("adds an item only when its delay has passed, keeping the earlier of two times", () => {
    const { clock, queue } = newQueue();
    queue.addAfter("a", 100);
    queue.addAfter("a", 500); // later: does not postpone
    clock.advance(99);
    expect(queue.len()).toBe(0);
    clock.advance(1);
    expect(queue.len()).toBe(1);

    queue.addAfter("b", 500);
    queue.addAfter("b", 50); // earlier: wins
    clock.advance(50);
    expect(queue.len()).toBe(2);
    clock.advance(1000);
    expect(queue.len()).toBe(2);
  });

  it("treats a zero or negative delay as an immediate add", () => {
    const { queue } = newQueue();
    queue.addAfter("a", 0);
    queue.addAfter("b", -5);
    expect(queue.len()).toBe(2);
  });

  it("backs off per item until forget(), on the default controller limiter", async () => {
    const { clock, queue } = newQueue();
    for (const expectedDelay of [5, 10, 20, 40]) {
      queue.addRateLimited("a");
      clock.advance(expectedDelay - 1);
      expect(queue.len()).toBe(0);
      clock.advance(1);
      expect(queue.len()).toBe(1);
      queue.done((await queue.get())!);
    }
    expect(queue.numRequeues("a")).toBe(4);
    queue.forget("a");
    expect(queue.numRequeues("a")).toBe(0);
    queue.addRateLimited("a");
    expect(clock.nextTimerIn()).toBe(5);
  });
});

describe("rate limiters", () => {
  it("doubles from 5 ms and caps at 1000 s", () => {
    const limiter = new ItemExponentialRateLimiter<string>(5, 1_000_000);
    const delays = Array.from({ length: 30 }, () => limiter.when("x"));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(Math.max(...delays)).toBe(1_000_000);
    expect(limiter.when("other")).toBe(5);
    limiter.forget("x");
    expect(limiter.when("x")).toBe(5);
  });

  it("lets a burst of 100 through, then 10 per second", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucketRateLimiter<string>(10, 100, clock);
    const burst = Array.from({ length: 100 }, (_, i) => bucket.when(`item-${i}`));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect(bucket.when("x")).toBe(100);
    expect(bucket.when("y")).toBe(200);
    clock.advance(1000);
    // 10 tokens refilled, 2 of them already promised to x and y.
    expect(Array.from({ length: 8 }, () => bucket.when("z"))).toEqual(Array(8).fill(0));
    expect(bucket.when("z")).toBe(100);
  });

  it("takes the slower of per-item backoff and the global bucket", () => {
    const clock = new FakeClock();
    const limiter = new MaxOfRateLimiter<string>(new ItemExponentialRateLimiter(5, 1_000_000), new TokenBucketRateLimiter(10, 1, clock));
    expect(limiter.when("a")).toBe(5); // bucket has its one token
    expect(limiter.when("b")).toBe(100); // bucket empty: 100 ms beats b's 5 ms
    expect(limiter.retries("a")).toBe(1);
    expect(defaultControllerRateLimiter<string>(clock).when("c")).toBe(5);
  });
});

describe("WorkQueue shutdown", () => {
  it("drains: hands out what is queued, waits for in-flight work, ignores new adds", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.add("b");
    const a = (await queue.get())!;
    queue.add("a"); // dirty while processing: must get its extra pass during the drain
    const drained = queue.shutDownWithDrain();
    queue.add("c");
    queue.addAfter("d", 1);

    expect(await queue.get()).toBe("b");
    queue.done("b");
    expect((await settled(drained)).done).toBe(false);
    queue.done(a);
    expect(await queue.get()).toBe("a");
    expect((await settled(drained)).done).toBe(false);
    queue.done("a");
    expect((await settled(drained)).done).toBe(true);
    expect(await queue.get()).toBeUndefined();
  });

  it("without drain drops queued and held-back items and releases waiting workers", async () => {
    const { clock, queue } = newQueue();
    queue.add("a");
    queue.addAfter("b", 10);
    queue.add("c");
    expect(await queue.get()).toBe("a");
    queue.shutDown();
    expect(await queue.get()).toBeUndefined(); // "c" was dropped
    clock.advance(100); // "b" was dropped too
    expect(queue.len()).toBe(0);
    queue.done("a");
    expect(queue.shuttingDown).toBe(true);
  });

  it("releases a worker waiting on an empty queue", async () => {
    const { queue } = newQueue();
    const idleWorker = queue.get();
    queue.shutDown();
    expect(await idleWorker).toBeUndefined();
  });
});

describe("WorkQueue metrics", () => {
  it("reports workqueue_* under the queue's name, starting from zero", async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ clock, metrics: new RuntimeMetrics(registry).workQueue("users") });
    const value = async (metric: string) =>
      (await registry.getSingleMetric(metric)!.get()).values.find((v) => v.labels.name === "users" && v.labels.controller === "users" && !("le" in v.labels))
        ?.value;
    expect(await value("workqueue_adds_total")).toBe(0);
    expect(await value("workqueue_retries_total")).toBe(0);

    queue.add("a");
    queue.add("b");
    expect(await value("workqueue_depth")).toBe(2);
    const item = (await queue.get())!;
    clock.advance(3000);
    expect(await value("workqueue_longest_running_processor_seconds")).toBe(3);
    queue.done(item);
    queue.addRateLimited("a");
    expect(await value("workqueue_adds_total")).toBe(2);
    expect(await value("workqueue_retries_total")).toBe(1);
    expect(await value("workqueue_depth")).toBe(1);
    expect(await value("workqueue_longest_running_processor_seconds")).toBe(0);
  });
});
