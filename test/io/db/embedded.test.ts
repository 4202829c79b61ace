import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { loaderFlags, startEmbeddedPostgres } from '../../../src/io/db/embedded.js'
import { createDb } from '../../../src/io/db/pool.js'
import { readServerLimits } from '../../../src/io/db/sizing.js'
import { freshDataDir } from './embedded-fixture.js'
import { running } from '../../support/processes.js'

describe('the embedded PostgreSQL', () => {
  it('keeps its data across a restart on the same data folder', async () => {
    const dataDir = await freshDataDir()
    try {
      const first = await startEmbeddedPostgres({ dataDir })
      const db1 = createDb({ url: first.url, size: 2, closeWithWorker: false })
      await db1.query('CREATE TABLE orders (id int PRIMARY KEY, item text)')
      await db1.query('INSERT INTO orders VALUES ($1, $2), ($3, $4)', [1, 'widget', 2, 'gadget'])
      await db1.close()
      await first.close()

      const second = await startEmbeddedPostgres({ dataDir })
      const db2 = createDb({ url: second.url, size: 2, closeWithWorker: false })
      const { rows } = await db2.query('SELECT id, item FROM orders ORDER BY id')
      assert.deepEqual(rows, [{ id: 1, item: 'widget' }, { id: 2, item: 'gadget' }])
      await db2.close()
      await second.close()
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('refuses a second server on a data folder in use, with CORRAL_ERR_DB_EMBEDDED', async () => {
    const dataDir = await freshDataDir()
    const running = await startEmbeddedPostgres({ dataDir })
    try {
      await assert.rejects(startEmbeddedPostgres({ dataDir }), (err: any) =>
        err.code === 'CORRAL_ERR_DB_EMBEDDED' && err.message.includes(`in use by process ${running.pid}`))
    } finally {
      await running.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('serves many connections at once, and reports its own connection limit for sizing', async () => {
    const dataDir = await freshDataDir()
    const pg = await startEmbeddedPostgres({ dataDir })
    const db = createDb({ url: pg.url, size: 8, closeWithWorker: false })
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => db.query('SELECT $1::int AS i', [i])))
      assert.deepEqual(answers.map((a) => a.rows[0].i), Array.from({ length: 40 }, (_, i) => i))
      assert.equal(db.stats().total, 8)
      const limits = await readServerLimits(pg.url)
      assert.deepEqual(limits, { maxConnections: 64, reserved: 0, inUse: 0, embedded: true })
    } finally {
      await db.close()
      await pg.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('passes only loader flags to its process', () => {
    assert.deepEqual(loaderFlags(['--import', 'tsx', '--input-type=module', '-e', 'x()', '--test', '--require=a']), ['--import', 'tsx', '--require=a'])
  })

  it('stops when the process that started it dies', async () => {
    const dataDir = await freshDataDir()
    const script = new URL('./fixtures/start-embedded.ts', import.meta.url).pathname
    const parent = spawn(process.execPath, [...loaderFlags(process.execArgv), script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))))
      parent.kill('SIGKILL')
      let alive = true
      for (let i = 0; i < 50 && alive; i++) {
        await new Promise((r) => setTimeout(r, 100))
        alive = running(pid)
      }
      assert.equal(alive, false, 'the PGlite process outlived its parent')
    } finally {
      parent.kill('SIGKILL')
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
