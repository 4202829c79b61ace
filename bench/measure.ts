/**
 * One measurement: load one server at one point, with the upstream's CPU and the machine's load
 * read from /proc around it; then let the server settle before the next server's turn.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { runAutocannon } from './load/autocannon.js'
import { runOpenLoop } from './load/open-loop.js'
import type { LoadResult } from './load/result.js'
import { runWrk } from './load/wrk.js'
import { busyFraction, groupCpuSeconds, machineTicks, processCpuSeconds } from './process-cpu.js'
import { probe } from './server-process.js'

export interface Point { load: 'closed' | 'open'; level: number }

export interface Measured {
  result: LoadResult
  /** The light route's open loop, run at the same time (scenarios with `light`). */
  light?: LoadResult
  upstreamCores?: number
  serverCores?: number
  databaseCores?: number
  machineBusy?: number
}

export async function measure(o: {
  url: string
  point: Point
  durationS: number
  /** Critical path of one request in ms, when known; sizes timeouts and the open loop's pool. */
  criticalPathMs: number
  wrk: string | undefined
  /** What wrk-report.lua reads to vary the requests (scenario.vary). */
  wrkEnv?: Record<string, string>
  /** Process groups: the upstream simulator's and the server's. */
  upstreamPid?: number
  serverPid?: number
  /** One process: the embedded database. */
  databasePid?: number
  /** A light route to load open-loop beside the main load, for its latency. */
  light?: { url: string; rate: number }
}): Promise<Measured> {
  const { upstream: cpu0, server: server0, database: db0, at: t0 } = readCpu(o)
  const ticks0 = machineTicks()
  // The light route's requests leave on a schedule whatever the server does, so a starved route
  // shows its real wait (coordinated omission, load/open-loop.ts); a few connections suffice.
  const light = o.light
    ? runOpenLoop({ url: o.light.url, rate: o.light.rate, durationS: o.durationS, timeoutS: 10, connections: Math.max(8, Math.ceil(o.light.rate / 5)) })
    : undefined
  let result: LoadResult
  // Read at the end of the window the load counts answers in (before a grace period's tail).
  let atEnd: Promise<CpuReading> | undefined
  if (o.point.load === 'closed') {
    // Requests that wait on an upstream are in flight when a run ends: with wrk, the run stops
    // sending and lets them finish (load/wrk-report.lua says why) within a grace of a few critical paths.
    const graceS = o.wrk && o.criticalPathMs > 0 ? Math.min(10, Math.ceil((3 * o.criticalPathMs) / 1000) + 2) : undefined
    // A closed-loop request slower than this counts as a timeout; wrk stops at -d regardless.
    const load = { url: o.url, connections: o.point.level, durationS: o.durationS, timeoutS: 10, env: o.wrkEnv, graceS }
    if (graceS) atEnd = sleep(o.durationS * 1000).then(() => readCpu(o))
    result = o.wrk ? await runWrk(o.wrk, load) : await runAutocannon(load)
  } else {
    // Enough connections for the offered rate at up to 3x the critical path (a sync server's
    // serial calls), so the client's own pool is not what queues requests.
    const connections = Math.min(2000, Math.ceil(o.point.level * Math.max(0.05, (3 * o.criticalPathMs) / 1000)) + 16)
    result = await runOpenLoop({
      url: o.url, rate: o.point.level, durationS: o.durationS, timeoutS: 1 + (2 * o.criticalPathMs) / 1000, connections,
    })
  }
  const lightResult = await light
  const end = atEnd ? await atEnd : readCpu(o)
  const wallS = (end.at - t0) / 1000
  const { upstream: cpu1, server: server1, database: db1 } = end
  return {
    result,
    light: lightResult,
    serverCores: server0 !== undefined && server1 !== undefined ? (server1 - server0) / wallS : undefined,
    upstreamCores: cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / wallS : undefined,
    databaseCores: db0 !== undefined && db1 !== undefined ? (db1 - db0) / wallS : undefined,
    machineBusy: busyFraction(ticks0, machineTicks()),
  }
}

interface CpuReading { upstream?: number; server?: number; database?: number; at: number }

function readCpu(o: { upstreamPid?: number; serverPid?: number; databasePid?: number }): CpuReading {
  return {
    upstream: o.upstreamPid ? groupCpuSeconds(o.upstreamPid) : undefined,
    server: o.serverPid ? groupCpuSeconds(o.serverPid) : undefined,
    database: o.databasePid ? processCpuSeconds(o.databasePid) : undefined,
    at: performance.now(),
  }
}

/**
 * Wait until the server's own processes are near idle (a server pushed past its capacity is
 * still working through requests the generator already gave up on), at most maxMs; then check
 * that it answers within probeMs. False means it is still stuck and should be restarted, or it
 * would spend the next server's turn on the last one's backlog. The server's CPU is read, not
 * the machine's, because other work on a shared machine must not hold the run up.
 */
export async function settle(url: string, serverPid: number, o: { maxMs: number; probeMs: number }): Promise<boolean> {
  const deadline = Date.now() + o.maxMs
  let before = groupCpuSeconds(serverPid)
  while (Date.now() < deadline && before !== undefined) {
    await sleep(100)
    const now = groupCpuSeconds(serverPid)
    if (now === undefined || now - before < 0.005) break // under 5% of one core over 100 ms
    before = now
  }
  return probe(url, o.probeMs)
}
