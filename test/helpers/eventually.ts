/**
 * Polls `check` until it neither throws nor returns false, then returns its value; rethrows the last
 * failure after `timeoutMs`. For waiting on asynchronous convergence, never for asserting durations.
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value;
      if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
