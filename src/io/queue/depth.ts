/**
 * How many jobs of each queue wait, run and lie dead: the corral_queue_jobs gauge. Counted with
 * one query over the table's partial indexes, only when metrics are collected (a /metrics scrape,
 * or the dashboard while someone watches) and at most once a second. A scrape never waits on the
 * database: it reports the last count and starts the next, so a slow or absent database cannot
 * hold up the worker's other metrics.
 */
import type { Db } from '../db/pool.js'
import type { Statements } from './statements.js'

const FRESH_MS = 1000
const QUERY_TIMEOUT_MS = 2000
export const DEPTH_STATES = ['queued', 'active', 'dead'] as const

export interface DepthReader {
  /** The last counts, by queue then state; starts a fresh count when the last is over a second old. */
  read(): Map<string, Record<(typeof DEPTH_STATES)[number], number>>
}

export function depthReader(db: Db, sql: Statements, known: () => Iterable<string>): DepthReader {
  let counts = new Map<string, Record<(typeof DEPTH_STATES)[number], number>>()
  let readAt = 0
  let reading = false
  const refresh = () => {
    reading = true
    readAt = Date.now()
    db.query<{ queue: string; state: (typeof DEPTH_STATES)[number]; n: number }>(sql.depth, [], { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) })
      .then(({ rows }) => {
        const next = new Map<string, Record<(typeof DEPTH_STATES)[number], number>>()
        for (const name of [...known(), ...counts.keys()]) next.set(name, { queued: 0, active: 0, dead: 0 })
        for (const r of rows) {
          const entry = next.get(r.queue) ?? { queued: 0, active: 0, dead: 0 }
          entry[r.state] = Number(r.n)
          next.set(r.queue, entry)
        }
        counts = next
      }, () => { /* the database is away: keep the last counts; the pool's own metrics say why */ })
      .finally(() => { reading = false })
  }
  return {
    read() {
      if (!reading && Date.now() - readAt >= FRESH_MS) refresh()
      return counts
    },
  }
}
