import { randomUUID } from 'node:crypto'
import { redisCache } from '../../src/io/cache/redis.js'
import { needService, REDIS_URL } from '../support/services.js'
import { cacheContract } from './cache.contract.js'

cacheContract('redis cache', async (t) => {
  if (!(await needService(t, 'redis'))) return undefined
  return redisCache({ url: REDIS_URL, prefix: `corral-test:${randomUUID()}:` })
})
