import { test } from 'node:test'
import { queueContract } from './queue.contract.js'
import { DATABASE_URL, needService } from '../../support/services.js'

let available = false
test('PostgreSQL is reachable for the queue contract', async (t) => { available = await needService(t, 'postgres') })

queueContract('PostgreSQL', async () => available ? { url: DATABASE_URL, close: async () => {} } : undefined)
