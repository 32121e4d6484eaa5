import { FakeClock } from "./fake-clock.js";

/**
 * Drives a FakeClock as if time passed on its own: whenever every pending promise has settled, it
 * jumps to the earliest timer. Runs minutes of rate-limited traffic in milliseconds, deterministically.
 */
export async function runClock<T>(clock: FakeClock, done: Promise<T>): Promise<T> {
  let finished = false;
  const result = done.finally(() => {
    finished = true;
  });
  while (!finished) {
    await new Promise((r) => setImmediate(r));
    const next = clock.nextTimerIn();
    if (!finished && next !== undefined) clock.advance(next);
  }
  return result;
}

/** A FakeClock that records every delay asked of it and jumps straight past it, for asserting exact waits. */
export class RecordingClock extends FakeClock {
  readonly sleeps: number[] = [];
  override setTimeout(fn: () => void, ms: number) {
    this.sleeps.push(ms);
    const handle = super.setTimeout(fn, ms);
    queueMicrotask(() => this.advance(ms));
    return handle;
  }
}
