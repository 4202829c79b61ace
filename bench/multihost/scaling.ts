/**
 * Scaling across hosts (issue 14, part 3): the shop's product page (a fan-out of five lookups)
 * through nginx to 1, 2 and 3 hosts, in the multi-host harness's namespaces (scripts/multihost/).
 *
 *   npm run build && node --import tsx bench/multihost/scaling.ts [--per-host 16] [--floor-ms 1000] [--seconds 30] [--rounds 1,2,3,3,2,1]
 *
 * Making the hosts the limit on a machine with 2 cores: every host shares the same CPUs, so a
 * CPU-bound load would measure the machine, not the hosts. Instead each host's capacity is capped
 * and the cap is far below what the CPU could do: one worker with --worker-connections C (corral's
 * gate: at most C requests at once, a fast 503 past it) and an upstream latency floor (the
 * simulator's recommendation service answers in --floor-ms, the page's slowest call; seed 000 has
 * 200 ms). A host then serves at most C / floor, whatever the CPU. The longer the floor, the less a
 * busy machine's CPU waits (tens of ms a request at a load average of 15-25) take off that: at
 * 200 ms they are a large part of each request's time, at 1 s a small one. The client keeps n x C requests in flight for n hosts
 * (a closed loop: exactly the capacity it is offered), and nginx's least_conn over a shared zone
 * spreads them C to a host. Linear scaling is n times the one-host throughput; the table gives
 * each as a fraction of that. The CPU the run used per request (every process in the namespaces,
 * from /proc) shows how far the machine is from being the limit itself.
 *
 * Rounds alternate (1,2,3,3,2,1 by default) so a drift in the machine's load hits every size alike.
 * The first 3 s of each round are left out (connections opening, caches filling).
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { startCluster } from '../../scripts/multihost/cluster.js'
import { GENEROUS_BUDGETS } from '../../scripts/multihost/rolling-deploy.js'

const { values } = parseArgs({ options: {
  'per-host': { type: 'string', default: '16' },
  'floor-ms': { type: 'string', default: '1000' },
  seconds: { type: 'string', default: '30' },
  rounds: { type: 'string', default: '1,2,3,3,2,1' },
} })
const perHost = Number(values['per-host'])
const floorMs = Number(values['floor-ms'])
const seconds = Number(values.seconds)
const rounds = values.rounds.split(',').map(Number)
const WARMUP_S = 3
const TICK_US = 1e6 / 100 // USER_HZ is 100 on Linux

/** utime + stime of a pid, in µs (0 once it is gone). */
function cpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_US
  } catch { return 0 }
}

const cluster = await startCluster({
  hosts: Math.max(...rounds),
  first: { name: 'scaling' },
  hostArgs: ['--workers', '1', '--worker-connections', String(perHost), '--keepalive', '5', '--listen-after-boot', '--access-log', 'off'],
  hostEnv: GENEROUS_BUDGETS,
  // The latency floor: the slowest call of the page (recommendations) takes exactly floorMs; the others less.
  simulatorEnv: { SIM_RECOMMEND_LATENCY_MS: String(floorMs), SIM_PRICE_LATENCY_MS: String(Math.min(150, floorMs)), SIM_FAVORITES_LATENCY_MS: String(Math.min(50, floorMs)) },
  balanced: rounds[0],
})

interface Row { hosts: number; inFlight: number; rps: number; ok: number; full503: number; failed: number; p50: number; p99: number; cpuUsPerReq: number; load1: number }
const rows: Row[] = []
try {
  let balanced = rounds[0]
  for (const n of rounds) {
    if (n !== balanced) { await cluster.rebalance(n); balanced = n }
    const pids = cluster.net.pids()
    const before = pids.reduce((a, p) => a + cpuUs(p), 0)
    const run = cluster.load({ concurrency: n * perHost, maxSeconds: seconds, products: [1, 1000] })
    const r = await run.done
    const after = [...new Set([...pids, ...cluster.net.pids()])].reduce((a, p) => a + cpuUs(p), 0) + cpuUs(run.proc.child.pid!)
    const counted = r.perSecond.slice(WARMUP_S, Math.floor(seconds))
    const rps = counted.reduce((a, b) => a + b, 0) / Math.max(1, counted.length)
    rows.push({ hosts: n, inFlight: n * perHost, rps, ok: r.ok, full503: r.byStatus['503'] ?? 0, failed: r.failed, p50: r.latency.p50, p99: r.latency.p99, cpuUsPerReq: (after - before) / Math.max(1, r.ok), load1: loadavg()[0] })
    console.log(`${n} host(s), ${n * perHost} in flight: ${rps.toFixed(1)} req/s, ${r.failed} failed (${r.byStatus['503'] ?? 0} 503), p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${((after - before) / Math.max(1, r.ok)).toFixed(0)} µs CPU/request, load ${loadavg()[0].toFixed(1)}`)
  }
} finally {
  await cluster.down()
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const sizes = [...new Set(rows.map((r) => r.hosts))].sort()
const one = mean(rows.filter((r) => r.hosts === 1).map((r) => r.rps))
const ceiling = perHost / (floorMs / 1000)
console.log(`\nper host: ${perHost} requests at once (--worker-connections), page floor ${floorMs} ms: at most ${ceiling} req/s a host`)
console.log('| hosts | in flight | req/s (mean of rounds) | of n × 1 host | of the cap | p50 ms | p99 ms | failed | CPU µs/request | load avg |')
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for (const n of sizes) {
  const rs = rows.filter((r) => r.hosts === n)
  const rps = mean(rs.map((r) => r.rps))
  console.log(`| ${n} | ${n * perHost} | ${rs.map((r) => r.rps.toFixed(1)).join(', ')} → ${rps.toFixed(1)} | ${(rps / (n * one)).toFixed(2)} | ${(rps / (n * ceiling)).toFixed(2)} | ${Math.round(mean(rs.map((r) => r.p50)))} | ${Math.round(mean(rs.map((r) => r.p99)))} | ${rs.reduce((a, r) => a + r.failed, 0)} | ${Math.round(mean(rs.map((r) => r.cpuUsPerReq)))} | ${rs.map((r) => r.load1.toFixed(1)).join(', ')} |`)
}
