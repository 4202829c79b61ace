/**
 * Per-process single-flight: while a call for a key is running, later calls for the same key join
 * it instead of starting their own. Ten thousand requests missing one hot key run its loader once
 * here, not ten thousand times against the database (a cache stampede).
 *
 * Per process on purpose: across workers and hosts, each process may run the loader once. Making
 * that once-globally needs a lock round trip on every miss (see lock.ts if a loader must be unique).
 */
export class SingleFlight {
  readonly #inFlight = new Map<string, Promise<unknown>>()

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key)
    if (running) return running as Promise<T>
    const started = (async () => {
      try { return await fn() } finally { this.#inFlight.delete(key) }
    })()
    this.#inFlight.set(key, started)
    return started
  }

  get size(): number {
    return this.#inFlight.size
  }
}
