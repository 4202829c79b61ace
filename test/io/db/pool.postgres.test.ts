import { test } from 'node:test'
import { poolContract } from './pool.contract.js'
import { DATABASE_URL, needService } from '../../support/services.js'

let available = false
test('PostgreSQL is reachable for the pool contract', async (t) => { available = await needService(t, 'postgres') })

poolContract('PostgreSQL', async () => available ? { url: DATABASE_URL, close: async () => {} } : undefined, { serverStops: true })
