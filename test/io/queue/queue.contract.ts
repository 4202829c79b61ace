/** One behaviour suite for the job queue, run on each database it must work with (STYLE.md #11). */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDb, type Db } from '../../../src/io/db/pool.js'
import { createQueue, type Queue } from '../../../src/io/queue/queue.js'
import type { Job } from '../../../src/io/queue/consumer.js'
import { loaderFlags } from '../../../src/io/db/embedded.js'
import type { Server } from '../db/pool.contract.js'
import { pollFor, type Probe } from '../../support/poll.js'
import { registry } from '../../../src/metrics/registry.js'

/** Poll until check() is truthy; bounded, and fails with `what` when time runs out. */
const until = <T>(what: string, check: Probe<T>, timeoutMs = 10_000) => pollFor(what, check, { timeoutMs, everyMs: 25 })

export function queueContract(name: string, start: () => Promise<Server | undefined>) {
  describe(`the job queue on ${name}`, () => {
    let server: Server | undefined
    let db: Db
    let queue: Queue
    const schema = `q_${process.pid}_${Date.now() % 100000}`
    let n = 0
    const fresh = () => `q${++n}`

    before(async () => {
      server = await start()
      if (!server) return
      db = createDb({ url: server.url, size: 4, closeWithWorker: false })
      queue = await createQueue({ db, schema })
    })
    after(async () => {
      if (!server) return
      await queue.close(1000)
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await db.close()
      await server.close()
    })

    it('runs an enqueued job with its payload and reports it done', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const id = await queue.enqueue(q, { order: 42, items: ['a'] })
      assert.equal((await queue.status(id))?.state, 'queued')
      const seen: unknown[] = []
      const consumer = queue.work(q, async (job) => { seen.push(job.payload) }, { pollMs: 50 })
      const status = await until('done', async () => { const s = await queue.status(id); return s?.state === 'done' && s })
      await consumer.stop()
      assert.deepEqual(seen, [{ order: 42, items: ['a'] }])
      assert.equal(status.attempts, 1)
      assert.ok(status.finishedAt instanceof Date)
    })

    it('retries a failing job with exponential backoff, then dead-letters it', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const id = await queue.enqueue(q, {}, { maxAttempts: 3, backoff: 200 })
      const at: number[] = []
      const consumer = queue.work(q, async (job) => { at.push(Date.now()); throw new Error(`boom ${job.attempt}`) }, { pollMs: 20 })
      const status = await until('dead', async () => { const s = await queue.status(id); return s?.state === 'dead' && s })
      await consumer.stop()
      assert.equal(at.length, 3)
      // 200 ms before the 2nd run, 400 ms before the 3rd (a little slack: the clocks are the database's and ours).
      assert.ok(at[1]! - at[0]! >= 180, `second run after ${at[1]! - at[0]!}ms`)
      assert.ok(at[2]! - at[1]! >= 380, `third run after ${at[2]! - at[1]!}ms`)
      assert.equal(status.attempts, 3)
      assert.match(status.lastError ?? '', /boom 3/)
      assert.deepEqual((await queue.dead(q)).map((s) => s.id), [id])
    })

    it('runs higher priorities first', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      await queue.enqueue(q, 'low', { priority: 1 })
      await queue.enqueue(q, 'high', { priority: 10 })
      await queue.enqueue(q, 'default')
      await queue.enqueue(q, 'mid', { priority: 5 })
      const order: unknown[] = []
      const consumer = queue.work(q, async (job) => { order.push(job.payload) }, { pollMs: 20 })
      await until('all four', () => order.length === 4)
      await consumer.stop()
      assert.deepEqual(order, ['high', 'mid', 'low', 'default'])
    })

    it('does not run a delayed job before its time', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const ran: number[] = []
      const consumer = queue.work(q, async () => { ran.push(Date.now()) }, { pollMs: 20 })
      const enqueued = Date.now()
      const id = await queue.enqueue(q, {}, { delayMs: 700 })
      await sleep(400)
      assert.deepEqual(ran, [], 'ran early')
      assert.equal((await queue.status(id))?.state, 'queued')
      await until('the delayed run', () => ran.length === 1)
      await consumer.stop()
      assert.ok(ran[0]! - enqueued >= 680, `ran after ${ran[0]! - enqueued}ms`)
    })

    it('runs at most `concurrency` jobs of a queue at once', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      for (let i = 0; i < 8; i++) await queue.enqueue(q, i)
      let now = 0
      let peak = 0
      let done = 0
      const consumer = queue.work(q, async () => {
        peak = Math.max(peak, ++now)
        await sleep(80)
        now--
        done++
      }, { concurrency: 3, pollMs: 20 })
      await until('all eight', () => done === 8)
      await consumer.stop()
      assert.equal(peak, 3)
    })

    it('hands each job to one consumer when several compete', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const other = createDb({ url: server.url, size: 2, closeWithWorker: false })
      const otherQueue = await createQueue({ db: other, schema })
      const runs = new Map<string, number>()
      const handler = async (job: { id: string }) => { runs.set(job.id, (runs.get(job.id) ?? 0) + 1); await sleep(5) }
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.enqueue(q, i)))
      const a = queue.work(q, handler, { concurrency: 2, pollMs: 10 })
      const b = otherQueue.work(q, handler, { concurrency: 2, pollMs: 10 })
      await until('all twenty', () => runs.size === 20)
      await Promise.all([a.stop(), b.stop()])
      await otherQueue.close()
      await other.close()
      assert.deepEqual(ids.map((id) => runs.get(id)), ids.map(() => 1))
    })

    it('completes a job whose worker was killed mid-job, once the lease expires', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const id = await queue.enqueue(q, { charge: 10 })
      const script = new URL('./fixtures/consumer.ts', import.meta.url).pathname
      const child = spawn(process.execPath, [...loaderFlags(process.execArgv), script, server.url, schema, q, '600'],
        { stdio: ['ignore', 'pipe', 'inherit'] })
      try {
        let out = ''
        child.stdout.on('data', (d) => { out += d })
        await until('the child to start the job', () => out.includes(`started ${id}`), 20_000)
        assert.equal((await queue.status(id))?.state, 'active')
        child.kill('SIGKILL')
        await new Promise((resolve) => child.once('exit', resolve))
      } finally {
        child.kill('SIGKILL')
      }
      const attempts: number[] = []
      const consumer = queue.work(q, async (job) => { attempts.push(job.attempt) }, { pollMs: 50, leaseMs: 600 })
      const status = await until('done', async () => { const s = await queue.status(id); return s?.state === 'done' && s })
      await consumer.stop()
      assert.deepEqual(attempts, [2])
      assert.equal(status.attempts, 2)
    })

    it('enqueues on the caller\'s transaction: a rollback leaves no job, a commit runs it', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      let rolledBack = ''
      await assert.rejects(db.transaction(async (tx) => {
        rolledBack = await queue.enqueue(q, 'never', { tx })
        throw new Error('the order failed')
      }), /the order failed/)
      assert.match(rolledBack, /^\d+$/)
      assert.equal(await queue.status(rolledBack), null, 'a rolled-back enqueue left a job')
      const committed = await db.transaction((tx) => queue.enqueue(q, 'kept', { tx }))
      const seen: unknown[] = []
      const consumer = queue.work(q, async (job) => { seen.push(job.payload) }, { pollMs: 20 })
      await until('the committed job done', async () => (await queue.status(committed))?.state === 'done')
      await consumer.stop()
      assert.deepEqual(seen, ['kept'])
    })

    it('adds one job per dedupe key while it is queued or active, and takes the key again once it is done', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const first = await queue.enqueue(q, 'first', { key: 'order-7' })
      assert.equal(await queue.enqueue(q, 'duplicate', { key: 'order-7' }), first)
      const other = await queue.enqueue(q, 'other key', { key: 'order-8' })
      assert.notEqual(other, first)
      const seen: unknown[] = []
      const consumer = queue.work(q, async (job) => { seen.push(job.payload) }, { pollMs: 20 })
      await until('both done', async () => (await queue.status(first))?.state === 'done' && (await queue.status(other))?.state === 'done')
      const again = await queue.enqueue(q, 'again', { key: 'order-7' })
      assert.notEqual(again, first)
      await until('the new one done', async () => (await queue.status(again))?.state === 'done')
      await consumer.stop()
      assert.deepEqual(seen.sort(), ['again', 'first', 'other key'])
      await assert.rejects(queue.enqueue(q, 'x', { key: '' }), /key must be a non-empty string/)
    })

    it('completeIn: a job\'s writes and its completion commit together; a consumer that lost the lease keeps neither', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      await db.query(`CREATE TABLE IF NOT EXISTS ${schema}.effects (job_id text NOT NULL, attempt int NOT NULL)`)
      const id = await queue.enqueue(q, { charge: 10 })
      const write = (job: Job) => db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${schema}.effects VALUES ($1, $2)`, [job.id, job.attempt])
        await job.completeIn(tx)
      })
      // The first consumer renews every 20 s; the test ends its lease as a stall past it would.
      let lost: unknown
      const stalled = queue.work(q, async (job) => {
        await until('another consumer to take the job', async () => (await queue.status(job.id))?.attempts === 2)
        lost = await write(job).then(() => 'committed', (err) => err)
      }, { pollMs: 20, leaseMs: 60_000 })
      await until('the first run', async () => (await queue.status(id))?.state === 'active')
      await db.query(`UPDATE ${schema}.jobs SET lease_until = now() - interval '1 second' WHERE id = $1`, [id])
      const taker = queue.work(q, write, { pollMs: 20 })
      await until('the lost lease reported', () => lost !== undefined)
      await Promise.all([stalled.stop(), taker.stop()])
      assert.equal((lost as { code?: string }).code, 'CORRAL_ERR_QUEUE', String(lost))
      assert.match(String(lost), /lost its lease/)
      const { rows } = await db.query(`SELECT attempt FROM ${schema}.effects WHERE job_id = $1`, [id])
      assert.deepEqual(rows, [{ attempt: 2 }])
      const status = await queue.status(id)
      assert.equal(status?.state, 'done')
      assert.equal(status?.attempts, 2)
    })

    it('enqueues one job per cron slot, however many processes schedule it', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      const other = createDb({ url: server.url, size: 2, closeWithWorker: false })
      const otherQueue = await createQueue({ db: other, schema })
      const runs: unknown[] = []
      const consumer = queue.work(q, async (job) => { runs.push(job.payload) }, { pollMs: 20 })
      // Two schedulers of the same pattern, as two workers (or hosts) would each run one.
      const a = queue.schedule(q, '* * * * * *', { tick: true })
      const b = otherQueue.schedule(q, '* * * * * *', { tick: true })
      const slotCount = async () => (await db.query(`SELECT count(*)::int AS n FROM ${schema}.cron_slots WHERE queue = $1`, [q])).rows[0].n as number
      await until('three slots', async () => await slotCount() >= 3, 20_000)
      a.stop()
      b.stop()
      const { rows: slots } = await db.query<{ slot: Date }>(`SELECT slot FROM ${schema}.cron_slots WHERE queue = $1`, [q])
      const { rows: [jobs] } = await db.query(`SELECT count(*)::int AS n FROM ${schema}.jobs WHERE queue = $1`, [q])
      assert.equal(jobs.n, slots.length, 'a slot enqueued more than one job')
      assert.deepEqual(slots.map((s) => s.slot.getMilliseconds()), slots.map(() => 0), 'a slot is not the pattern\'s time')
      await until('each slot\'s job run', () => runs.length === slots.length)
      await consumer.stop()
      await otherQueue.close()
      await other.close()
      assert.deepEqual(runs, slots.map(() => ({ tick: true })))
      assert.throws(() => queue.schedule(q, 'every minute'), /cron pattern "every minute" is not valid/)
    })

    it('reports how many jobs of each queue wait, run and lie dead on corral_queue_jobs, without holding up a scrape', async (t) => {
      if (!server) return t.skip('no server')
      const q = fresh()
      await queue.enqueue(q, 'a')
      await queue.enqueue(q, 'b')
      const dead = await queue.enqueue(q, 'dies', { maxAttempts: 1 })
      const consumer = queue.work(q, async (job) => { if (job.payload === 'dies') throw new Error('no') }, { pollMs: 20 })
      await until('dead', async () => (await queue.status(dead))?.state === 'dead')
      await consumer.stop()
      await queue.enqueue(q, 'waits')
      await queue.enqueue(q, 'waits too')
      // The first collection starts a count and answers the last one; a later one has it.
      const depth = async () => {
        const text = await registry.metrics()
        const of = (state: string) => Number(new RegExp(`corral_queue_jobs\\{queue="${q}",state="${state}"\\} (\\d+)`).exec(text)?.[1] ?? NaN)
        return { queued: of('queued'), active: of('active'), dead: of('dead') }
      }
      const seen = await until('the depth', async () => { const d = await depth(); return d.queued === 2 && d })
      assert.deepEqual(seen, { queued: 2, active: 0, dead: 1 })
    })

    it('answers null for an unknown job, and a coded error for bad input', async (t) => {
      if (!server) return t.skip('no server')
      assert.equal(await queue.status('999999999'), null)
      assert.equal(await queue.status('not-an-id'), null)
      await assert.rejects(queue.enqueue('', {}), (err: any) => err.code === 'CORRAL_ERR_QUEUE')
      await assert.rejects(queue.enqueue('x', undefined), /JSON-serializable/)
      await assert.rejects(queue.enqueue('x', {}, { maxAttempts: 0 }), /maxAttempts must be an integer >= 1/)
      await assert.rejects(queue.enqueue('x', {}, { delayMs: -1 }), /delayMs must be >= 0/)
    })
  })
}
