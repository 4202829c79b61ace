/**
 * An upstream's keep-alive connections, as undici Pools of at most SHARD_CONNECTIONS each.
 *
 * undici's Pool finds the connection for a request by walking its list of connections until one is
 * free, and after a dispatch that took the last free one it walks the list again to learn whether
 * any is left. With hundreds of calls in flight each call walks past hundreds of busy connections.
 * On the fan-out at 1,000 connections (about 1,500 calls in flight a worker) the walk held 3.5% of
 * the workers' CPU samples with three upstreams of 1,024 connections, and 6.8% in the anchor's
 * single pool (bench/README.md, "undici's Pool finds a free connection by walking its list").
 * Shards bound each walk to one shard's connections.
 *
 * A call goes to the first shard with a free connection, so a lightly loaded upstream keeps using
 * the few connections of its first shard, as one Pool would; a shard whose connections are all busy
 * (its dispatch returned false) is passed over until it emits 'drain'. When every shard is busy the
 * call queues in the next shard in turn, where undici runs it when a connection frees.
 */
import { Pool } from 'undici'

/** A shard's connections: the longest walk a call pays. */
export const SHARD_CONNECTIONS = 64

type PoolOptions = NonNullable<ConstructorParameters<typeof Pool>[1]>
type DispatchOptions = Parameters<Pool['dispatch']>[0]
type DispatchHandler = Parameters<Pool['dispatch']>[1]

/** One shard up to SHARD_CONNECTIONS (the default of 32 is one Pool, as before); more past it. */
export class UpstreamPool {
  readonly #pools: Pool[] = []
  readonly #busy: boolean[] = []
  #queueNext = 0

  constructor(origin: string, connections: number, options: Omit<PoolOptions, 'connections'>) {
    const n = Math.ceil(connections / SHARD_CONNECTIONS)
    for (let i = 0; i < n; i++) {
      // The connections split as evenly as they go; the total is the upstream's `connections`.
      const pool = new Pool(origin, { ...options, connections: Math.floor(connections / n) + (i < connections % n ? 1 : 0) })
      // 'drain': a connection is free and nothing waits in the shard. A lost connection frees a slot
      // too (undici opens another on the next call), without a 'drain' if the shard holds a queue.
      const free = () => { this.#busy[i] = false }
      pool.on('drain', free).on('disconnect', free)
      this.#pools.push(pool)
      this.#busy.push(false)
    }
  }

  dispatch(options: DispatchOptions, handler: DispatchHandler): void {
    const pools = this.#pools
    const busy = this.#busy
    for (let i = 0; i < pools.length; i++) {
      if (busy[i]) continue
      if (!pools[i]!.dispatch(options, handler)) busy[i] = true
      return
    }
    const i = this.#queueNext
    this.#queueNext = i + 1 === pools.length ? 0 : i + 1
    busy[i] = !pools[i]!.dispatch(options, handler)
  }

  /** Called for every connection opened (corral_upstream_connections_opened_total). */
  onConnect(fn: () => void): void {
    for (const pool of this.#pools) pool.on('connect', fn)
  }

  async close(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.close()))
  }
}
