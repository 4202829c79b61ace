/**
 * The job queue across hosts: three corral servers (each its own master and workers, as on three
 * machines) share one PostgreSQL and consume one queue. Every job is done once, and the host that
 * holds a job when it is SIGKILLed (master and workers at once, as a machine that loses power) has
 * that job done by another host once its lease runs out.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createDb } from '../../../src/io/db/pool.js'
import { createQueue } from '../../../src/io/queue/queue.js'
import { startCorral, type Running } from '../../support/corral.js'
import { DATABASE_URL, needService } from '../../support/services.js'
import { pollFor, type Probe } from '../../support/poll.js'

const APP = new URL('./fixtures/host-app.ts', import.meta.url).pathname
const HOSTS = ['h1', 'h2', 'h3']
const JOBS = 60
const LEASE_MS = 2000

/** Poll until check() is truthy; bounded, and fails with `what` when time runs out. */
const until = <T>(what: string, check: Probe<T>, timeoutMs = 60_000) => pollFor(what, check, { timeoutMs })

test('jobs are consumed on every host, each done once, and a killed host\'s job is done elsewhere', async (t) => {
  if (!await needService(t, 'postgres')) return
  const schema = `qhosts_${process.pid}`
  const db = createDb({ url: DATABASE_URL, size: 3, closeWithWorker: false })
  const queue = await createQueue({ db, schema })
  await db.query(`CREATE TABLE ${schema}.runs (job_id text, attempt int, host text, pid int, at timestamptz DEFAULT clock_timestamp())`)
  await db.query(`CREATE TABLE ${schema}.effects (job_id text, host text)`)
  t.after(async () => {
    await queue.close(1000)
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
    await db.close()
  })

  const hosts = new Map<string, Running>(await Promise.all(HOSTS.map(async (name) => [name, await startCorral(t, APP, {
    processGroup: true,
    args: ['--workers', '1'],
    env: { DATABASE_URL, QUEUE_SCHEMA: schema, HOST_NAME: name, QUEUE_LEASE_MS: String(LEASE_MS) },
    timeoutMs: 60_000,
  })] as const)))

  // A host is ready once its worker's ready() has started the consumer.
  for (const h of hosts.values()) await until(`${h.url} ready`, () => fetch(`${h.admin}/readyz`).then((r) => r.ok, () => false))

  // The job one host will be holding when it dies.
  const held = await queue.enqueue('across', { hold: true })
  const victim = await until('a host to start the held job', async () => {
    const { rows } = await db.query(`SELECT host FROM ${schema}.runs WHERE job_id = $1`, [held])
    return rows[0]?.host as string | undefined
  })
  const ids = [held]
  for (let i = 0; i < JOBS; i++) ids.push(await queue.enqueue('across', { workMs: 50 }))
  // Consumers run on every host: each has started jobs before one host goes.
  await until('every host to run jobs', async () => {
    const { rows } = await db.query(`SELECT DISTINCT host FROM ${schema}.runs`)
    return rows.length === HOSTS.length
  })
  const killedAt = Date.now()
  const dead = hosts.get(victim)!
  process.kill(-dead.child.pid!, 'SIGKILL')
  await dead.exited

  const recovered = await until('the held job done elsewhere', async () => (await queue.status(held))?.state === 'done' && Date.now())
  console.log(`# ${victim} killed; its held job done by another host ${recovered - killedAt} ms later (lease ${LEASE_MS} ms)`)
  await until(`all ${ids.length} jobs done`, async () => {
    const { rows: [row] } = await db.query(`SELECT count(*)::int AS n FROM ${schema}.jobs WHERE state = 'done'`)
    return row.n === ids.length
  })

  const { rows: effects } = await db.query<{ job_id: string; n: number; hosts: string[] }>(
    `SELECT job_id, count(*)::int AS n, array_agg(host) AS hosts FROM ${schema}.effects GROUP BY job_id`)
  const done = new Map(effects.map((e) => [e.job_id, e]))
  assert.deepEqual(ids.filter((id) => done.get(id)?.n !== 1), [], 'jobs not done exactly once')
  assert.equal(effects.length, ids.length)

  const { rows: heldRuns } = await db.query(`SELECT attempt, host FROM ${schema}.runs WHERE job_id = $1 ORDER BY attempt`, [held])
  assert.equal(heldRuns[0].host, victim)
  assert.notEqual(done.get(held)!.hosts[0], victim)
  assert.ok(heldRuns.length >= 2)

  // Whatever else the victim had started and not finished was finished by a live host.
  const { rows: orphans } = await db.query(`SELECT DISTINCT r.job_id FROM ${schema}.runs r
    WHERE r.host = $1 AND NOT EXISTS (SELECT 1 FROM ${schema}.effects e WHERE e.job_id = r.job_id AND e.host = $1)`, [victim])
  for (const { job_id } of orphans) assert.notEqual(done.get(job_id)?.hosts[0], victim)
  console.log(`# runs by host: ${JSON.stringify((await db.query(`SELECT host, count(*)::int AS n FROM ${schema}.runs GROUP BY host ORDER BY host`)).rows)}; ${orphans.length} job(s) cut off by the kill`)

  await Promise.all([...hosts.values()].filter((h) => h !== dead).map((h) => h.stop()))
})
