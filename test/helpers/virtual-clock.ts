import type { Clock } from "../../src/providers/http/clock.js";

/**
 * A clock whose time moves only when every pending promise has settled and someone is asleep: it
 * then jumps to the earliest wake-up. Lets a test run minutes of rate-limited traffic in
 * milliseconds, deterministically.
 */
export class VirtualClock implements Clock {
  #now: number;
  #timers: { at: number; seq: number; wake: () => void }[] = [];
  #seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), seq: this.#seq++, wake });
    });
  }

  /** Advances time timer by timer until `done` settles; returns its value. */
  async run<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    const result = done.finally(() => {
      finished = true;
    });
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      if (finished) break;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift();
      if (!next) continue;
      this.#now = Math.max(this.#now, next.at);
      next.wake();
    }
    return result;
  }
}

/** A clock that never waits: sleeping advances time at once and is recorded, for asserting exact waits. */
export class RecordingClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public current = 1_700_000_000_000) {}
  now = (): number => this.current;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.current += ms;
  };
}
