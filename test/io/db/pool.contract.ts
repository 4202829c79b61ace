/**
 * What the db pool promises, run against each server it must work with (STYLE.md #11):
 * a real PostgreSQL, and the embedded PGlite served on a socket.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDb, type Db } from '../../../src/io/db/pool.js'
import { registry } from '../../../src/metrics/registry.js'
import { closeResources } from '../../../src/io/lifecycle.js'

export interface Server { url: string; close(): Promise<void> }

/** `serverStops`: the server itself ends a cancelled or timed-out statement (PGlite cannot). */
export function poolContract(name: string, start: () => Promise<Server | undefined>, { serverStops }: { serverStops: boolean }) {
  describe(`the db pool on ${name}`, () => {
    let server: Server | undefined
    let db: Db
    const table = `pool_t_${process.pid}_${Date.now() % 100000}`
    const poolName = `contract_${name.replace(/\W/g, '_')}`

    before(async () => {
      server = await start()
      if (!server) return
      db = createDb({ url: server.url, size: 2, statementTimeoutMs: 400, name: poolName })
      await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`)
    })
    after(async () => {
      if (!server) return
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
      await db.close()
      await server.close()
    })

    it('answers parameterized queries', async (t) => {
      if (!server) return t.skip('no server')
      const { rows } = await db.query<{ n: number; s: string }>('SELECT $1::int + 1 AS n, $2::text AS s', [41, 'hi'])
      assert.deepEqual(rows, [{ n: 42, s: 'hi' }])
    })

    it('commits a transaction, and rolls one back when its function throws', async (t) => {
      if (!server) return t.skip('no server')
      await db.transaction(async (tx) => { await tx.query(`INSERT INTO ${table} VALUES (1, 'kept')`) })
      await assert.rejects(db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} VALUES (2, 'lost')`)
        throw new Error('changed my mind')
      }), /changed my mind/)
      const { rows } = await db.query(`SELECT id FROM ${table} ORDER BY id`)
      assert.deepEqual(rows, [{ id: 1 }])
    })

    it('ends a statement that passes the statement timeout with CORRAL_ERR_DB_TIMEOUT', async (t) => {
      if (!server) return t.skip('no server')
      const started = Date.now()
      await assert.rejects(db.query('SELECT pg_sleep(1.5)'), (err: any) => err.code === 'CORRAL_ERR_DB_TIMEOUT' && err.status === 504)
      assert.ok(Date.now() - started < 1500, 'answered before the statement would have finished')
      if (!serverStops) await sleep(1500) // PGlite runs the abandoned statement to its end; later queries queue behind it
      assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    })

    it('cancels a long pg_sleep when the signal aborts, and the pool serves on', async (t) => {
      if (!server) return t.skip('no server')
      const marker = `abort_${Date.now()}`
      const started = Date.now()
      await assert.rejects(
        db.query(`SELECT pg_sleep(1.5) AS ${marker}`, [], { signal: AbortSignal.timeout(100) }),
        (err: any) => err.name === 'TimeoutError')
      assert.ok(Date.now() - started < 1500, 'answered before the statement would have finished')
      if (serverStops) {
        // The CancelRequest reached the server: the statement is gone well before its 1.5 s.
        let running = 1
        for (let i = 0; i < 20 && running > 0; i++) {
          await sleep(50)
          running = Number((await db.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%AS ${marker}' AND state = 'active' AND pid <> pg_backend_pid()`)).rows[0].n)
        }
        assert.equal(running, 0, 'the cancelled statement still runs on the server')
        assert.ok(Date.now() - started < 1500)
      } else {
        await sleep(1500) // PGlite runs the abandoned statement to its end; later queries queue behind it
      }
      assert.deepEqual((await db.query('SELECT 2 AS two')).rows, [{ two: 2 }])
      assert.ok(db.stats().total <= 2)
    })

    it('rejects at once, without a query, when the signal is already aborted', async (t) => {
      if (!server) return t.skip('no server')
      const ac = new AbortController()
      ac.abort(new Error('gone'))
      await assert.rejects(db.query('SELECT 1', [], { signal: ac.signal }), /gone/)
    })

    it('stops waiting for a free connection when the signal aborts', async (t) => {
      if (!server) return t.skip('no server')
      const small = createDb({ url: server.url, size: 1, statementTimeoutMs: 0, name: `${poolName}_small`, closeWithWorker: false })
      try {
        const busy = small.query('SELECT pg_sleep(0.3)')
        await assert.rejects(small.query('SELECT 1', [], { signal: AbortSignal.timeout(50) }), (err: any) => err.name === 'TimeoutError')
        await busy
        assert.deepEqual((await small.query('SELECT 3 AS three')).rows, [{ three: 3 }])
      } finally {
        await small.close()
      }
    })

    // PGlite has a single backend and no pg_terminate_backend.
    if (serverStops) {
      it('survives its connection being cut while a transaction holds it: the transaction fails, the process does not', async (t) => {
        if (!server) return t.skip('no server')
        const admin = createDb({ url: server.url, size: 1, statementTimeoutMs: 0, name: `${poolName}_admin`, closeWithWorker: false })
        try {
          await assert.rejects(db.transaction(async (tx) => {
            const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
            await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid])
            // The connection ends while this transaction holds it between statements: unheard,
            // pg's 'error' would be an uncaught exception here.
            await sleep(300)
            await tx.query('SELECT 1')
          }))
          assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'the pool serves on')
        } finally {
          await admin.close()
        }
      })
    }

    it('answers a health check', async (t) => {
      if (!server) return t.skip('no server')
      assert.ok((await db.ping()) >= 0)
    })

    it('reports pool gauges, query durations and errors on corral\'s registry', async (t) => {
      if (!server) return t.skip('no server')
      await db.query('SELECT 1')
      await db.query('SELECT * FROM no_such_table_here').catch(() => {})
      const text = await registry.metrics()
      assert.match(text, new RegExp(`corral_db_pool_connections\\{pool="${poolName}"\\} \\d`))
      assert.match(text, new RegExp(`corral_db_pool_waiting\\{pool="${poolName}"\\} 0`))
      assert.match(text, new RegExp(`corral_db_pool_size\\{pool="${poolName}"\\} 2\n`))
      assert.match(text, new RegExp(`corral_db_query_duration_seconds_count\\{pool="${poolName}",outcome="ok"\\} \\d`))
      assert.match(text, new RegExp(`corral_db_query_errors_total\\{pool="${poolName}",code="42P01"\\} 1`))
    })

    it('closes with the worker\'s resources', async (t) => {
      if (!server) return t.skip('no server')
      const own = createDb({ url: server.url, size: 1, name: `${poolName}_lifecycle` })
      await own.query('SELECT 1')
      assert.deepEqual(await closeResources(), [])
      await assert.rejects(own.query('SELECT 1'))
    })
  })
}
