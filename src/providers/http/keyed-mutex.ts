/**
 * Runs tasks one at a time per key, in arrival order; tasks of different keys run side by side. For
 * read-modify-write sequences on one remote object that the remote API cannot make atomic (DigiCert
 * ONE replaces a user's whole role list on PUT). Within one process only: controllers run on the
 * Lease holder alone, so that is every writer the operator has.
 */
export class KeyedMutex {
  /** Per key, the promise that settles when the last queued task is done; absent when idle. */
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      done();
      // Forget idle keys so the map holds only users being written right now.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a task running or queued. */
  get busy(): number {
    return this.#tails.size;
  }
}
