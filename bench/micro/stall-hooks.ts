/**
 * What the stall detector costs a request on the main thread: entering() and ran() around the
 * handler's synchronous part and ended() when it is over, against the same loop without them.
 *   node --import tsx bench/micro/stall-hooks.ts
 */
import { pino } from 'pino'
import type { Exchange } from '../../src/worker/exchange.js'
import { InFlight } from '../../src/worker/in-flight.js'
import { Stalls } from '../../src/worker/stalls.js'
import { openSchedstat } from '../../src/worker/schedstat.js'

const N = 2_000_000
const inFlight = new InFlight<Exchange>()
const stalls = new Stalls({ thresholdMs: 50, inFlight: () => inFlight, log: pino({ level: 'silent' }), report: () => {}, metrics: false, schedstat: openSchedstat() })
const ex = { startMs: performance.now(), req: { url: '/', method: 'GET' }, route: '/' } as unknown as { startMs: number } & Exchange
let sink = 0

function time(label: string, fn: () => void): number {
  for (let i = 0; i < 200_000; i++) fn()
  const start = process.hrtime.bigint()
  for (let i = 0; i < N; i++) fn()
  const ns = Number(process.hrtime.bigint() - start) / N
  console.log(`${label.padEnd(30)} ${ns.toFixed(1)} ns per request`)
  return ns
}

// Both loops read the clock at arrival and at the end, as every request does without the detector.
const bare = time('without the detector', () => {
  ex.startMs = performance.now()
  sink += performance.now()
})
const hooked = time('entering + ran + ended', () => {
  ex.startMs = performance.now()
  const t = stalls.entering(ex.startMs) // the arrival time, as Requests passes it
  stalls.ran(ex, t)
  const now = performance.now()
  stalls.ended(ex, now)
  sink += now
})
console.log(`the detector: ${(hooked - bare).toFixed(1)} ns per request`)
stalls.stop()
if (sink === 0) console.log(sink)
