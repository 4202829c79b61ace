/**
 * Durable jobs on PostgreSQL: a table of our own, claimed with FOR UPDATE SKIP LOCKED under
 * leases that a running consumer renews. Why not pg-boss or BullMQ: see docs/io/queue.md — in
 * short, one code path that runs unchanged on a real PostgreSQL across hosts and on the embedded
 * PGlite, leases renewed while a job runs (pg-boss 10 has only a fixed expiry, so a killed
 * worker's job waits out the whole expiry), and Node 20 support (pg-boss 11+ needs Node 22).
 */
import { corralError } from '../../errors.js'
import type { Db, Queryable } from '../db/pool.js'
import { onClose } from '../lifecycle.js'
import { consume, type Consumer, type Handler, type WorkOptions } from './consumer.js'
import { depthReader } from './depth.js'
import { watchDepth } from './metrics.js'
import { schedule, type Schedule } from './schedule.js'
import { install, SCHEMA_NAME } from './schema.js'
import { statements } from './statements.js'

export interface JobOptions {
  /** Higher runs first. Default 0. */
  priority?: number
  /** Do not run before this many ms from now (the database's clock). Default 0. */
  delayMs?: number
  /** Runs before the job is dead-lettered. Default 3. */
  maxAttempts?: number
  /** Retry delay: backoff × 2^(attempt−1) ms, or { baseMs, maxMs }. Default 1000 ms, capped at 1 h. */
  backoff?: number | { baseMs: number; maxMs?: number }
  /**
   * Dedupe key: while a job of this queue with the same key is queued or active, enqueue adds
   * nothing and returns that job's id. Once it is done or dead the key can be used again.
   */
  key?: string
  /**
   * Enqueue on the caller's transaction (the `tx` of db.transaction()): the job exists if and only
   * if that transaction commits, so an order and its confirmation job are written together or not
   * at all. Consumers see it at their next poll after the commit.
   */
  tx?: Queryable
}

export interface ScheduleOptions extends Pick<JobOptions, 'priority' | 'maxAttempts' | 'backoff'> {
  /** The time zone the pattern is read in (an IANA name). Default: the process's. */
  timezone?: string
  /** Told when a slot's enqueue fails (the database is away); the next slot tries again. */
  onError?: (err: unknown) => void
}

export type JobState = 'queued' | 'active' | 'done' | 'dead'

export interface JobStatus {
  id: string
  queue: string
  state: JobState
  priority: number
  attempts: number
  maxAttempts: number
  /** When it runs next (queued), or ran last. */
  runAt: Date
  lastError: string | null
  createdAt: Date
  finishedAt: Date | null
}

export interface QueueOptions {
  db: Db
  /** The schema holding the jobs table. Default "corral". */
  schema?: string
  /** Finished jobs are deleted after this long (dead ones are kept). Default 24 h. */
  keepDoneMs?: number
}

export interface Queue {
  enqueue(queue: string, payload: unknown, options?: JobOptions): Promise<string>
  status(jobId: string): Promise<JobStatus | null>
  work<T = unknown>(queue: string, handler: Handler<T>, options?: WorkOptions): Consumer
  /**
   * Enqueue `payload` on `queue` at every time the cron pattern names (5 fields, or 6 with
   * seconds first). Call it in every worker on every host: each slot still gets one job.
   * Stopped by close().
   */
  schedule(queue: string, cron: string, payload?: unknown, options?: ScheduleOptions): Schedule
  /** The dead letters of a queue, newest first. */
  dead(queue: string, limit?: number): Promise<JobStatus[]>
  /** Stop every consumer (waiting for running jobs) and delete old finished jobs. The pool stays open. */
  close(timeoutMs?: number): Promise<void>
}

const HOUR = 3_600_000

function check(queue: string, ok: boolean, what: string, got: unknown): void {
  if (!ok) throw corralError('CORRAL_ERR_QUEUE', queue, `${what}, received ${JSON.stringify(got) ?? String(got)}`)
}

const toStatus = (r: Record<string, any>): JobStatus => ({
  id: String(r.id), queue: r.queue, state: r.state, priority: r.priority, attempts: r.attempts,
  maxAttempts: r.max_attempts, runAt: r.run_at, lastError: r.last_error, createdAt: r.created_at, finishedAt: r.finished_at,
})

export async function createQueue({ db, schema = 'corral', keepDoneMs = 24 * HOUR }: QueueOptions): Promise<Queue> {
  check(schema, SCHEMA_NAME.test(schema), 'schema must be a plain lower-case identifier', schema)
  await install(db, schema)
  const sql = statements(schema)
  const consumers = new Map<string, Set<Consumer>>()
  const named = new Set<string>()
  const schedules = new Set<Schedule>()
  let closed = false
  const unwatchDepth = watchDepth(depthReader(db, sql, () => new Set([...named, ...consumers.keys()])))

  /** The columns every job has (queue, payload, priority, attempts, backoff), checked. */
  function jobColumns(name: string, payload: unknown, { priority = 0, maxAttempts = 3, backoff = 1000 }: JobOptions): unknown[] {
    check(name, !closed, 'queue is closed', name)
    check(name, typeof name === 'string' && name.length > 0, 'the queue name must be a non-empty string', name)
    const json = JSON.stringify(payload)
    check(name, json !== undefined, 'the payload must be JSON-serializable', typeof payload)
    check(name, Number.isInteger(priority), 'priority must be an integer', priority)
    check(name, Number.isInteger(maxAttempts) && maxAttempts >= 1, 'maxAttempts must be an integer >= 1', maxAttempts)
    const { baseMs, maxMs = HOUR } = typeof backoff === 'number' ? { baseMs: backoff } : backoff
    check(name, Number.isInteger(baseMs) && baseMs >= 0 && Number.isInteger(maxMs) && maxMs >= baseMs,
      'backoff must be whole ms >= 0 (maxMs >= baseMs)', backoff)
    return [name, json, priority, maxAttempts, baseMs, maxMs]
  }

  const queue: Queue = {
    async enqueue(name, payload, options = {}) {
      const { delayMs = 0, key, tx } = options
      const job = jobColumns(name, payload, options)
      check(name, Number.isFinite(delayMs) && delayMs >= 0, 'delayMs must be >= 0', delayMs)
      check(name, key === undefined || (typeof key === 'string' && key.length > 0), 'key must be a non-empty string', key)
      named.add(name)
      const on = tx ?? db
      const args = [...job, Math.round(delayMs), key ?? null]
      // A key's holder can finish between our insert and our look-up; then the insert wins next time.
      let id: string | undefined
      for (let tries = 0; id === undefined; tries++) {
        const { rows: [added] } = await on.query(sql.enqueue, args)
        if (added) { id = String(added.id); break }
        const { rows: [holder] } = await on.query(sql.holder, [name, key])
        if (holder) return String(holder.id)
        check(name, tries < 3, 'the dedupe key kept changing hands', key)
      }
      // On a transaction the job is invisible until it commits; the consumers' poll finds it then.
      if (delayMs === 0 && !tx) for (const c of consumers.get(name) ?? []) c.wake()
      return id
    },

    async status(jobId) {
      if (!/^\d{1,19}$/.test(jobId)) return null
      const { rows } = await db.query(sql.status, [jobId])
      return rows.length ? toStatus(rows[0]) : null
    },

    work(name, handler, options) {
      check(name, !closed, 'queue is closed', name)
      check(name, typeof name === 'string' && name.length > 0, 'the queue name must be a non-empty string', name)
      const consumer = consume(db, sql, name, handler, options)
      const set = consumers.get(name) ?? new Set()
      consumers.set(name, set.add(consumer))
      const stop = consumer.stop.bind(consumer)
      consumer.stop = async (timeoutMs) => { set.delete(consumer); await stop(timeoutMs) }
      return consumer
    },

    schedule(name, cron, payload = null, { timezone, ...options } = {}) {
      const job = jobColumns(name, payload, options)
      check(name, typeof cron === 'string', 'the cron pattern must be a string', cron)
      named.add(name)
      const made = schedule(db, sql, name, cron, timezone, job, options.onError ?? (() => {}))
      schedules.add(made)
      return made
    },

    async dead(name, limit = 100) {
      const { rows } = await db.query(sql.dead, [name, limit])
      return rows.map(toStatus)
    },

    async close(timeoutMs) {
      if (closed) return
      closed = true
      unregister()
      unwatchDepth()
      for (const s of schedules) s.stop()
      await Promise.all([...consumers.values()].flatMap((set) => [...set].map((c) => c.stop(timeoutMs))))
      await db.query(sql.prune, [keepDoneMs]).catch(() => {})
      await db.query(sql.pruneSlots, [keepDoneMs]).catch(() => {})
    },
  }
  // Registered after the pool, so it closes first (newest first): consumers stop while the pool still works.
  const unregister = onClose(`job queue ${schema}`, () => queue.close())
  return queue
}
