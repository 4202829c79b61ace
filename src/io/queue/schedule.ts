/**
 * Cron: a job enqueued at each time a cron pattern names. Every process that schedules it keeps a
 * timer; at a slot each one tries, and ONE statement records the slot and enqueues the job only
 * if the slot was new, so across any number of workers and hosts a slot gets exactly one job.
 * A slot's identity is the pattern's time, not any host's clock reading, so hosts agree on it.
 * Slots missed while no process was running are not made up afterwards.
 *
 * The pattern is read by croner (5 or 6 fields, seconds first when 6; time zones, L, W, #).
 */
import { Cron } from 'croner'
import { corralError } from '../../errors.js'
import type { Db } from '../db/pool.js'
import type { Statements } from './statements.js'

export interface Schedule {
  /** The next slot this process will try, or null when the pattern has none left. */
  readonly next: Date | null
  stop(): void
}

/** Node's timers hold at most this long; a later slot is reached in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/** `job`: the enqueue statement's arguments but the dedupe key and delay (queue, payload, priority, attempts, backoff, backoff max). */
export function schedule(db: Db, sql: Statements, queue: string, pattern: string, timezone: string | undefined,
  job: unknown[], onError: (err: unknown) => void): Schedule {
  let cron: Cron
  try {
    cron = new Cron(pattern, { timezone, paused: true })
  } catch (err) {
    throw corralError('CORRAL_ERR_QUEUE', queue, `cron pattern ${JSON.stringify(pattern)} is not valid: ${(err as Error).message}`)
  }
  let timer: NodeJS.Timeout | undefined
  let next: Date | null = null
  let last = 0
  let stopped = false

  const fire = (slot: Date) => db.query(sql.cron, [...job, pattern, slot]).then(() => {}, onError)

  const arm = () => {
    if (stopped) return
    // After the last slot tried, even when the timer fired a moment early.
    next = cron.nextRun(new Date(Math.max(Date.now(), last)))
    if (!next) return
    const slot = next
    timer = setTimeout(() => {
      if (Date.now() < slot.getTime()) return arm()
      last = slot.getTime()
      void fire(slot).finally(arm)
    }, Math.min(slot.getTime() - Date.now(), LONGEST_TIMER_MS))
  }
  arm()

  return {
    get next() { return next },
    stop() { stopped = true; clearTimeout(timer) },
  }
}
