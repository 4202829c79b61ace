/** Migrations behave the same on a real PostgreSQL and on the embedded PGlite. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate } from '../../../src/io/db/migrate.js'
import { createDb, type Db } from '../../../src/io/db/pool.js'
import type { Server } from './pool.contract.js'

export function migrateContract(name: string, start: () => Promise<Server | undefined>) {
  describe(`migrations on ${name}`, () => {
    let server: Server | undefined
    let db: Db
    let dir: string
    const schema = `mig_${process.pid}_${Date.now() % 100000}`
    const table = `${schema}.applied`

    before(async () => {
      server = await start()
      if (!server) return
      db = createDb({ url: server.url, size: 2, closeWithWorker: false })
      await db.query(`CREATE SCHEMA ${schema}`)
      dir = mkdtempSync(join(tmpdir(), 'corral-migrations-'))
      writeFileSync(join(dir, '001_users.sql'), `CREATE TABLE ${schema}.users (id int PRIMARY KEY, name text);\n`)
      writeFileSync(join(dir, '002_seed.sql'), `INSERT INTO ${schema}.users VALUES (1, 'ada');\nINSERT INTO ${schema}.users VALUES (2, 'bob');\n`)
      writeFileSync(join(dir, 'notes.txt'), 'not a migration')
    })
    after(async () => {
      if (!server) return
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await db.close()
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('applies each .sql file once, in name order, and records it', async (t) => {
      if (!server) return t.skip('no server')
      assert.deepEqual(await migrate(server.url, dir, { table }), { applied: ['001_users.sql', '002_seed.sql'], skipped: [] })
      assert.deepEqual((await db.query(`SELECT name FROM ${schema}.users ORDER BY id`)).rows.map((r) => r.name), ['ada', 'bob'])
      assert.deepEqual((await db.query(`SELECT name FROM ${table} ORDER BY name`)).rows.map((r) => r.name), ['001_users.sql', '002_seed.sql'])
    })

    it('applies nothing on a second run', async (t) => {
      if (!server) return t.skip('no server')
      assert.deepEqual(await migrate(server.url, dir, { table }), { applied: [], skipped: ['001_users.sql', '002_seed.sql'] })
      assert.equal((await db.query(`SELECT count(*)::int AS n FROM ${schema}.users`)).rows[0].n, 2)
    })

    it('refuses to run when an applied file has changed', async (t) => {
      if (!server) return t.skip('no server')
      writeFileSync(join(dir, '002_seed.sql'), `INSERT INTO ${schema}.users VALUES (3, 'eve');\n`)
      writeFileSync(join(dir, '003_more.sql'), `INSERT INTO ${schema}.users VALUES (4, 'dan');\n`)
      await assert.rejects(migrate(server.url, dir, { table }), (err: any) =>
        err.code === 'CORRAL_ERR_DB_MIGRATION' && /^migration 002_seed\.sql: changed after it was applied/.test(err.message))
      assert.equal((await db.query(`SELECT count(*)::int AS n FROM ${schema}.users`)).rows[0].n, 2, 'nothing ran')
      writeFileSync(join(dir, '002_seed.sql'), `INSERT INTO ${schema}.users VALUES (1, 'ada');\r\nINSERT INTO ${schema}.users VALUES (2, 'bob');\r\n`)
      rmSync(join(dir, '003_more.sql'))
      assert.deepEqual((await migrate(server.url, dir, { table })).applied, [], 'CRLF line endings are not a change')
    })

    it('rolls back a failing file entirely and applies it on a later run once fixed', async (t) => {
      if (!server) return t.skip('no server')
      writeFileSync(join(dir, '003_bad.sql'), `INSERT INTO ${schema}.users VALUES (5, 'fay');\nSELECT no_such_function();\n`)
      await assert.rejects(migrate(server.url, dir, { table }), (err: any) =>
        err.code === 'CORRAL_ERR_DB_MIGRATION' && err.message.startsWith('migration 003_bad.sql:'))
      assert.equal((await db.query(`SELECT count(*)::int AS n FROM ${schema}.users`)).rows[0].n, 2)
      writeFileSync(join(dir, '003_bad.sql'), `INSERT INTO ${schema}.users VALUES (5, 'fay');\n`)
      assert.deepEqual((await migrate(server.url, dir, { table })).applied, ['003_bad.sql'])
    })

    it('applies a file once when two processes migrate at the same time', async (t) => {
      if (!server) return t.skip('no server')
      writeFileSync(join(dir, '004_counter.sql'), `CREATE TABLE ${schema}.counter (n int);\nINSERT INTO ${schema}.counter VALUES (1);\n`)
      const [a, b] = await Promise.all([migrate(server.url, dir, { table }), migrate(server.url, dir, { table })])
      assert.deepEqual([...a.applied, ...b.applied], ['004_counter.sql'])
      assert.equal((await db.query(`SELECT count(*)::int AS n FROM ${schema}.counter`)).rows[0].n, 1)
    })

    it('treats a missing folder as nothing to do only when told it is optional', async (t) => {
      if (!server) return t.skip('no server')
      assert.deepEqual(await migrate(server.url, join(dir, 'absent'), { table, optional: true }), { applied: [], skipped: [] })
      await assert.rejects(migrate(server.url, join(dir, 'absent'), { table }), /no such folder/)
    })
  })
}
