import { test } from 'node:test'
import { migrateContract } from './migrate.contract.js'
import { DATABASE_URL, needService } from '../../support/services.js'

let available = false
test('PostgreSQL is reachable for the migration contract', async (t) => { available = await needService(t, 'postgres') })

migrateContract('PostgreSQL', async () => available ? { url: DATABASE_URL, close: async () => {} } : undefined)
