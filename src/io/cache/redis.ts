/**
 * A cache in Redis (ioredis), shared by every worker and host. Keys are prefixed so one Redis can
 * hold several apps' caches. When Redis is down or slow, reads are misses and writes are skipped
 * (the loader's value is still returned): requests succeed, only slower.
 */
import type { Redis } from 'ioredis'
import type { Cache, CacheLog } from './cache.js'
import { stderrLog } from './cache.js'
import { storeCache } from './store-cache.js'
import { closeRedis, connectRedis, readyOnce, type RedisConnectionOptions } from '../redis-connection.js'
import { onClose } from '../lifecycle.js'
import { msOption, nameOption } from '../options.js'

export interface RedisCacheOptions extends RedisConnectionOptions {
  /** Metric label. Default 'redis'. */
  name?: string
  /** Prepended to every key. Default 'corral:cache:'. */
  prefix?: string
  /** Use this client instead of opening one; the cache will not close it. */
  client?: Redis
  log?: CacheLog
}

const timedOut = (err: unknown) => (err as Error)?.message === 'Command timed out'

/**
 * retry_on_timeout, as seed 000 configures django-redis: a command that timed out is sent once
 * more before it counts as a failure. ioredis has no such option (its retries cover reconnects).
 */
async function retryOnTimeout<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command()
  } catch (err) {
    if (!timedOut(err)) throw err
    return command()
  }
}

export function redisCache(options: RedisCacheOptions = {}): Cache {
  const name = nameOption('redisCache', options.name ?? 'redis')
  const owner = `cache ${name}`
  const prefix = options.prefix ?? 'corral:cache:'
  const client = options.client ?? connectRedis(owner, options)
  const startupWaitMs = msOption(owner, 'connectTimeoutMs', options.connectTimeoutMs, 1000)
  const ready = () => readyOnce(client, startupWaitMs)
  const unregister = options.client ? () => {} : onClose(owner, () => closeRedis(client))

  return storeCache({
    async read(keys) {
      await ready()
      const full = keys.map((k) => prefix + k)
      const raw = full.length === 1
        ? [await retryOnTimeout(() => client.get(full[0]!))]
        : await retryOnTimeout(() => client.mget(...full))
      return raw.map((r) => r ?? undefined)
    },
    async write(key, data, keepMs) {
      await ready()
      await retryOnTimeout(() => client.set(prefix + key, data, 'PX', Math.max(1, Math.ceil(keepMs))))
    },
    async remove(key) {
      await ready()
      await retryOnTimeout(() => client.del(prefix + key))
    },
    async close() {
      unregister()
      if (!options.client) await closeRedis(client)
    },
  }, { name, log: options.log ?? stderrLog })
}
