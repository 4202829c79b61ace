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
  const cpu0 = o.upstreamPid ? groupCpuSeconds(o.upstreamPid) : undefined
  const server0 = o.serverPid ? groupCpuSeconds(o.serverPid) : undefined
  const db0 = o.databasePid ? processCpuSeconds(o.databasePid) : undefined
  const ticks0 = machineTicks()
  const t0 = performance.now()
  // The light route's requests leave on a schedule whatever the server does, so a starved route
  // shows its real wait (coordinated omission, load/open-loop.ts); a few connections suffice.
  const light = o.light
    ? runOpenLoop({ url: o.light.url, rate: o.light.rate, durationS: o.durationS, timeoutS: 10, connections: Math.max(8, Math.ceil(o.light.rate / 5)) })
    : undefined
  let result: LoadResult
  if (o.point.load === 'closed') {
    // A closed-loop request slower than this counts as a timeout; wrk stops at -d regardless.
    const load = { url: o.url, connections: o.point.level, durationS: o.durationS, timeoutS: 10, env: o.wrkEnv }
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
  const wallS = (performance.now() - t0) / 1000
  const cpu1 = o.upstreamPid ? groupCpuSeconds(o.upstreamPid) : undefined
  const server1 = o.serverPid ? groupCpuSeconds(o.serverPid) : undefined
  const db1 = o.databasePid ? processCpuSeconds(o.databasePid) : undefined
  return {
    result,
    light: lightResult,
    serverCores: server0 !== undefined && server1 !== undefined ? (server1 - server0) / wallS : undefined,
    upstreamCores: cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / wallS : undefined,
    databaseCores: db0 !== undefined && db1 !== undefined ? (db1 - db0) / wallS : undefined,
    machineBusy: busyFraction(ticks0, machineTicks()),
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
