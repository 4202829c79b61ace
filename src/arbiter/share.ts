/**
 * Each worker's share of the open connections. Keep-alive clients stay with the worker that
 * accepted them, so whatever split the connections get when they open is the split of the load for
 * as long as they live. Left to who is quickest to take them, that split is far from even: the
 * worker whose loop turns faster (it has fewer connections, or it is not compiling or collecting
 * just then) takes most of a burst. Measured on 2 CPUs, Node 26, `wrk -c1000` against the fan-out
 * 4 s in (ss per process, bench/results/2026-12-06-stop51/): corral's two workers held 867/133,
 * 721/279, 333/667 of the 1,000, node:cluster's 369/631 to 473/527. The heavier worker's requests
 * then wait for its one thread while the other has time to spare, and its overload limit sheds
 * what the pair could have served.
 *
 * So a worker that leads the one with the fewest connections by more than a tenth of the mean (and
 * at least LEAD_MIN) waits its turn: the round-robin hand-off (dispatch.ts) passes it over, and
 * during a burst (burst.ts) it is sent no further copy of the socket, until the other has caught up
 * or HOLD_MS has passed. The bound keeps a worker whose loop is stuck from holding up the intake:
 * after it the leader takes connections as before. nginx's least_conn and HAProxy's leastconn
 * balance on the same count. A quarter of the mean instead of a tenth was no better for the shop's
 * p99 at 1,000 connections, nor for the fan-out (bench/results/2026-12-06-stop51/).
 *
 * The count is the worker's own (worker/intake.ts's open connections), sent with every `accepted`,
 * every `burst-more` and every beat, plus what the master has handed it since.
 */
import type { WorkerRecord } from './worker-record.js'

/** How many connections a worker may lead the emptiest by: at least LEAD_MIN, else a tenth of the mean. */
const LEAD_MIN = 8
const LEAD_SHARE = 0.1
/** The longest a worker that leads waits for the others before it takes connections again. */
export const HOLD_MS = 50

/**
 * w leads the worker with the fewest connections among `ready` by more than the allowed lead: it
 * should wait while one of those takes its turn.
 */
export function leads(w: WorkerRecord, ready: readonly WorkerRecord[]): boolean {
  if (ready.length < 2) return false
  let fewest = Infinity
  let total = 0
  for (const r of ready) {
    total += r.connections
    if (r !== w && r.connections < fewest) fewest = r.connections
  }
  const lead = Math.max(LEAD_MIN, Math.ceil((total / ready.length) * LEAD_SHARE))
  return w.connections - fewest > lead
}
