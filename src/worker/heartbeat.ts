/**
 * The worker's heartbeat: sent from a timer on the worker's own event loop, so a loop blocked by
 * a busy handler stops the beats and the arbiter can tell. Each beat carries what the arbiter
 * needs to recycle, scale and explain: served count, RSS, loop lag and utilisation, and the
 * oldest requests in flight (which a stuck-worker report names).
 */
import { performance } from 'node:perf_hooks'
import type { InFlightRequest, OverloadStatus, WorkerMessage } from '../ipc/messages.js'
import { startLoopLag } from './loop-lag.js'
import type { Requests } from './requests.js'

const REPORTED = 3

/** The oldest requests in flight, oldest first. */
export function inFlightNow(requests: Requests, limit = REPORTED): InFlightRequest[] {
  const now = performance.now()
  const out: InFlightRequest[] = []
  for (const ex of requests.active) {
    if (out.length >= limit) break
    out.push({ method: ex.req.method ?? '', url: ex.req.url ?? '', ms: Math.round(ex.elapsedMs(now)), id: ex.requestId })
  }
  return out
}

/**
 * How often the loop-delay sampler wakes: four samples a beat, and never more often than every
 * 10 ms. Each sample is a timer that wakes an idle loop, about 0.2 ms of CPU on the 2-core
 * development VM: with Node's usual 10 ms an idle worker used 0.9% of a core, with 50 ms (twenty
 * a beat) 0.4% (two idle servers side by side for 30 s), and a host running many workers pays that
 * for each of them. Four still catch a block that runs across a sample (one 800 ms block reads as
 * hundreds of ms over its beat); a shorter one while requests are in flight is the stall detector's
 * to count (stalls.ts), with its route.
 */
export const lagResolution = (intervalMs: number) => Math.max(10, Math.min(250, Math.floor(intervalMs / 4)))

/** What the heartbeat asks of the overload control: its status, and a tick that lets an idle limit recover. */
export interface BeatOverload { status(): OverloadStatus; tick(now: number): void }

/**
 * `intake`: the connections the worker holds now (intake.ts), for the master's balance, and those it
 * took from copies of a socket sent past a hold (arbiter/share.ts).
 */
export function startHeartbeat(requests: Requests, intake: { readonly open: number; readonly pastHold: number }, intervalMs: number, send: (m: WorkerMessage) => void, onBeat?: () => void, overload?: BeatOverload): () => void {
  const lag = startLoopLag(lagResolution(intervalMs))
  let elu = performance.eventLoopUtilization()
  const beat = () => {
    onBeat?.()
    overload?.tick(performance.now())
    const oldest = inFlightNow(requests, REPORTED)
    const nextElu = performance.eventLoopUtilization()
    const loopUtilization = performance.eventLoopUtilization(nextElu, elu).utilization
    elu = nextElu
    send({
      type: 'beat', at: Date.now(), served: requests.served, inFlight: requests.active.size, connections: intake.open, pastHold: intake.pastHold, oldest,
      rss: process.memoryUsage.rss(), loopLagMs: lag.take(), loopUtilization, overload: overload?.status(),
    })
  }
  beat()
  const timer = setInterval(beat, intervalMs)
  return () => { clearInterval(timer); lag.stop() }
}
