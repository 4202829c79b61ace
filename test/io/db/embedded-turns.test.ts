/**
 * The embedded PGlite has one backend, shared by every connection. A connection's statement (a
 * Parse/Bind/Execute/Sync unit) and its transaction must run without another connection's
 * messages in between, or they meet each other's unnamed statement and portal. pglite-socket
 * 0.2.17 let statements queued behind a transaction interleave once it committed (wrong rows,
 * "portal "" does not exist"; electric-sql/pglite#1046), which broke the shop's order transaction.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { migrate } from '../../../src/io/db/migrate.js'
import { startFreshEmbedded, type TestEmbedded } from './embedded-fixture.js'

describe('the embedded PostgreSQL takes connections in turns', () => {
  let embedded: TestEmbedded
  const clients: pg.Client[] = []
  before(async () => {
    embedded = await startFreshEmbedded()
    for (let i = 0; i < 6; i++) {
      const client = new pg.Client({ connectionString: embedded.url })
      await client.connect()
      clients.push(client)
    }
  })
  after(async () => {
    for (const client of clients) await client.end().catch(() => {})
    await embedded?.close()
  })

  it('answers each parameterized statement queued behind a transaction with its own rows', async () => {
    const [holder, ...others] = clients
    const answers: unknown[] = []
    for (let round = 0; round < 5; round++) {
      await holder!.query('BEGIN')
      await holder!.query('SELECT 1')
      // Each statement differs in its text and its parameter, so one bound to another's is seen.
      const queued = others.map((client, k) => client.query(`SELECT $1::int AS v, ${k} AS k`, [k * 10])
        .then((r) => r.rows, (err: Error) => err.message))
      // The others' messages are at the server once their connections' sockets have written them;
      // a round trip on the holder's connection after that orders the COMMIT behind them.
      await holder!.query('SELECT 2')
      await holder!.query('COMMIT')
      answers.push(...await Promise.all(queued))
    }
    const expected = Array.from({ length: 5 }, () => others.map((_, k) => [{ v: k * 10, k }])).flat()
    assert.deepEqual(answers, expected)
  })

  it('sends each query one ReadyForQuery: two migrations racing, 40 times', async () => {
    // PGlite now and then answered a SELECT with a second ReadyForQuery after the first (a notice
    // in the connection's previous statement came before it each time it was seen). The client then
    // took its next query as answered before the answer came, and failed on the answer: "Received
    // unexpected rowDescription message from backend", in 1 CI run of 2, and within 40 rounds here
    // every time before the wire server dropped the surplus.
    for (let round = 0; round < 40; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'corral-turns-'))
      try {
        writeFileSync(join(dir, '001.sql'), `CREATE TABLE race_${round} (n int);\nINSERT INTO race_${round} VALUES (1);\n`)
        const table = `race_${round}_migrations`
        const [a, b] = await Promise.all([migrate(embedded.url, dir, { table }), migrate(embedded.url, dir, { table })])
        assert.deepEqual([...a.applied, ...b.applied], ['001.sql'], `round ${round}`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  })

  it('rolls back the transaction of a connection that went away, and serves the others', async () => {
    const leaving = new pg.Client({ connectionString: embedded.url })
    leaving.on('error', () => {})
    await leaving.connect()
    await leaving.query('CREATE TABLE left_behind (id int)')
    await leaving.query('BEGIN')
    await leaving.query('INSERT INTO left_behind VALUES (1)')
    const waiting = clients[1]!.query('SELECT count(*)::int AS n FROM left_behind')
    ;(leaving as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
    assert.deepEqual((await waiting).rows, [{ n: 0 }])
    assert.deepEqual((await clients[2]!.query('SELECT $1::text AS t', ['after'])).rows, [{ t: 'after' }])
  })
})
