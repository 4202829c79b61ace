import { memoryCache } from '../../src/io/cache/memory.js'
import { cacheContract } from './cache.contract.js'

cacheContract('memory cache', async () => memoryCache({ maxEntries: 1000 }))
