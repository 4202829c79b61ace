import { randomUUID } from 'node:crypto'
import { memoryCache } from '../../src/io/cache/memory.js'
import { redisCache } from '../../src/io/cache/redis.js'
import { tieredCache } from '../../src/io/cache/tiered.js'
import { needService, REDIS_URL } from '../support/services.js'
import { cacheContract } from './cache.contract.js'

cacheContract('tiered cache (memory L1, redis L2)', async (t) => {
  if (!(await needService(t, 'redis'))) return undefined
  return tieredCache({
    l1: memoryCache({ name: 'l1', maxEntries: 1000 }),
    l2: redisCache({ url: REDIS_URL, prefix: `corral-test:${randomUUID()}:` }),
    l1TtlMs: 1000,
  })
})
