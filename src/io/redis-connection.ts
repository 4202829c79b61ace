/**
 * An ioredis connection set up for serving requests: commands fail fast instead of queueing while
 * Redis is away, every command has a timeout, and the client keeps reconnecting in the background.
 * The cache and the lock both use it.
 *
 * One connection per worker, not a pool: ioredis pipelines many commands over one socket (auto
 * pipelining batches those sent in the same tick). Seed 000 needed a pool of 50 per process
 * because redis-py blocks a connection per command.
 */
import { Redis } from 'ioredis'
import { msOption } from './options.js'

export interface RedisConnectionOptions {
  /** redis://[user:pass@]host:port/db. Default REDIS_URL or redis://127.0.0.1:6379. */
  url?: string
  /** TCP connect timeout. Default 1000 ms (seed 000: SOCKET_CONNECT_TIMEOUT). */
  connectTimeoutMs?: number
  /** Per-command timeout. Default 250 ms: a cache answer later than that is worth less than a miss. */
  commandTimeoutMs?: number
}

export function connectRedis(owner: string, options: RedisConnectionOptions = {}): Redis {
  const url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const client = new Redis(url, {
    connectTimeout: msOption(owner, 'connectTimeoutMs', options.connectTimeoutMs, 1000),
    commandTimeout: msOption(owner, 'commandTimeoutMs', options.commandTimeoutMs, 250),
    // While disconnected, reject at once rather than hold the request until Redis returns.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    // Keep trying forever, at most every 2 s, so the cache heals by itself when Redis is back.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  })
  // Without a listener ioredis prints every reconnect failure; the cache logs outages itself, once.
  client.on('error', () => {})
  return client
}

const firstReady = new WeakMap<Redis, Promise<void>>()

/**
 * At startup, wait (up to ms) for the first connection instead of failing the first requests with
 * "stream isn't writeable". Later disconnects do not wait: they fail fast by design.
 */
export function readyOnce(client: Redis, ms: number): Promise<void> {
  let p = firstReady.get(client)
  if (!p) {
    p = client.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timer); client.off('ready', done); resolve() }
      const timer = setTimeout(done, ms)
      client.once('ready', done)
    })
    firstReady.set(client, p)
  }
  return p
}

/** Ends the connection politely (QUIT), or drops it when Redis does not answer. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return
  try {
    if (client.status !== 'ready') throw new Error('not connected')
    await client.quit()
  } catch {
    client.disconnect()
  }
}
