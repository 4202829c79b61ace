/**
 * A consumer: takes jobs of one queue, up to `concurrency` at a time, runs the handler, and
 * records the outcome. While a job runs its lease is renewed every leaseMs/3; if the process dies,
 * renewals stop, the lease expires and another consumer (any process, any host) takes the job:
 * at-least-once delivery. A handler must therefore be safe to run twice for one job.
 */
import { corralError } from '../../errors.js'
import type { Db, Queryable } from '../db/pool.js'
import { recordJob } from './metrics.js'
import type { Statements } from './statements.js'

export interface Job<T = unknown> {
  id: string
  queue: string
  payload: T
  /** 1 on the first run. */
  attempt: number
  maxAttempts: number
  /** Aborts when this consumer lost the job's lease or is stopping past its grace. */
  signal: AbortSignal
  /**
   * Mark the job done inside the caller's transaction, so the handler's writes and the job's
   * completion commit together: a job whose consumer dies before the commit runs again with none
   * of its writes kept, and one that commits is never run again. Done once, not at least once,
   * for what the handler writes to this database. Rejects (and the transaction must roll back)
   * when this consumer no longer holds the job's lease.
   */
  completeIn(tx: Queryable): Promise<void>
}

export type Handler<T = unknown> = (job: Job<T>) => Promise<unknown> | unknown

export interface WorkOptions {
  /** Jobs of this queue run at once in this process. Default 1. */
  concurrency?: number
  /** How long a claim lasts without renewal: how soon a dead consumer's job is retried. Default 30 s. */
  leaseMs?: number
  /** How often to look for jobs when the queue is idle. Default 500 ms. */
  pollMs?: number
  /** Told about errors the loop survives (database unreachable, a lost lease). */
  onError?: (err: unknown) => void
}

export interface Consumer {
  /** Take no more jobs; wait up to timeoutMs for running ones, then abort their signals. */
  stop(timeoutMs?: number): Promise<void>
  /** Look for work now (enqueue in this process calls it). */
  wake(): void
  readonly running: number
}

interface Claimed { id: string; payload: unknown; attempts: number; max_attempts: number }

export function consume<T>(db: Db, sql: Statements, queue: string, handler: Handler<T>, options: WorkOptions = {}): Consumer {
  const concurrency = options.concurrency ?? 1
  const leaseMs = options.leaseMs ?? 30_000
  const pollMs = options.pollMs ?? 500
  if (!Number.isInteger(concurrency) || concurrency < 1) throw corralError('CORRAL_ERR_QUEUE', queue, `concurrency must be a positive integer, received ${concurrency}`)
  if (!Number.isInteger(leaseMs) || leaseMs < 100) throw corralError('CORRAL_ERR_QUEUE', queue, `leaseMs must be an integer >= 100, received ${leaseMs}`)
  const onError = options.onError ?? (() => {})

  // A dead consumer's job waits at most this long past its lease for a live one to notice.
  const reapEveryMs = Math.min(1000, Math.floor(leaseMs / 4))
  let reapedAt = -Infinity
  const inFlight = new Map<string, { done: Promise<void>; abort: AbortController }>()
  let stopping = false
  // A wake-up that comes while the loop is busy claiming is remembered, not lost.
  let nudged = false
  let wakeUp: () => void = () => { nudged = true }

  const nap = () => new Promise<void>((resolve) => {
    if (nudged) { nudged = false; return resolve() }
    const timer = setTimeout(done, pollMs)
    function done() { clearTimeout(timer); wakeUp = () => { nudged = true }; resolve() }
    wakeUp = done
  })

  async function run(job: Claimed, abort: AbortController): Promise<void> {
    const renew = setInterval(() => {
      db.query(sql.renew, [job.id, job.attempts, leaseMs]).then((r) => {
        if (r.rowCount === 0) abort.abort(corralError('CORRAL_ERR_QUEUE', queue, `job ${job.id} lost its lease`))
      }, onError)
    }, Math.max(50, Math.floor(leaseMs / 3)))
    const started = performance.now()
    let completedIn = false
    const completeIn = async (tx: Queryable) => {
      const { rowCount } = await tx.query(sql.complete, [job.id, job.attempts])
      if (rowCount === 0) throw corralError('CORRAL_ERR_QUEUE', queue, `job ${job.id} lost its lease: roll back, another consumer runs it`)
      completedIn = true
    }
    try {
      await handler({ id: job.id, queue, payload: job.payload as T, attempt: job.attempts, maxAttempts: job.max_attempts, signal: abort.signal, completeIn })
      clearInterval(renew)
      // Done in the handler's transaction already. If that rolled back after all, the job stays
      // active with no renewals, and its lease expiring brings it back: never lost.
      if (!completedIn) await db.query(sql.complete, [job.id, job.attempts])
      recordJob(queue, 'done', (performance.now() - started) / 1000)
    } catch (err) {
      clearInterval(renew)
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      await db.query(sql.fail, [job.id, job.attempts, message.slice(0, 2000)]).catch(onError)
      recordJob(queue, job.attempts >= job.max_attempts ? 'dead' : 'retry', (performance.now() - started) / 1000)
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      const free = concurrency - inFlight.size
      let claimed = 0
      if (free > 0) {
        try {
          // Expired leases are looked for at most every reapEveryMs, not before every claim: a busy
          // consumer claims once per finished job, and a reap each time was a third of its queries.
          if (performance.now() - reapedAt >= reapEveryMs) {
            reapedAt = performance.now()
            await db.query(sql.reap, [queue])
          }
          const { rows } = await db.query<Claimed>(sql.claim, [queue, free, leaseMs])
          claimed = rows.length
          for (const job of rows) {
            const abort = new AbortController()
            const done = run(job, abort).finally(() => { inFlight.delete(job.id); wakeUp() })
            inFlight.set(job.id, { done, abort })
          }
        } catch (err) {
          onError(err)
        }
      }
      // A full batch suggests more is waiting: look again at once.
      if (!stopping && (claimed === 0 || claimed < free)) await nap()
    }
  }

  const looping = loop()

  return {
    get running() { return inFlight.size },
    wake: () => wakeUp(),
    async stop(timeoutMs = 10_000) {
      stopping = true
      wakeUp()
      await looping
      const all = Promise.all([...inFlight.values()].map((j) => j.done))
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs) })
      if (await Promise.race([all, late]) === 'late') {
        for (const j of inFlight.values()) j.abort.abort(corralError('CORRAL_ERR_QUEUE', queue, 'consumer stopped'))
      }
      clearTimeout(timer)
    },
  }
}
