/**
 * Logs a backend outage once when it starts and once when it ends, not once per request: with
 * Redis down and 5,000 requests a second, a line per failed command would bury every other log.
 */
import type { CacheLog } from './cache.js'
import { cacheMetrics } from './metrics.js'

export class Outage {
  #down = false
  readonly #cache: string
  readonly #log: CacheLog

  constructor(cache: string, log: CacheLog) {
    this.#cache = cache
    this.#log = log
  }

  get down(): boolean {
    return this.#down
  }

  failed(op: string, err: unknown): void {
    cacheMetrics.errors.labels(this.#cache, op).inc()
    if (this.#down) return
    this.#down = true
    this.#log.warn({ cache: this.#cache, op, err: (err as Error)?.message ?? String(err) },
      'cache backend failed; serving misses (loaders run) until it answers again')
  }

  succeeded(): void {
    if (!this.#down) return
    this.#down = false
    this.#log.info({ cache: this.#cache }, 'cache backend answers again')
  }
}
