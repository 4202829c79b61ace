/**
 * Several runs' rounds read as one sample: `npm run bench:pool -- DIR... [--base node-cluster]`.
 *
 * On a small shared machine one run's ratio moves by several percent from run to run (the hello
 * ratio has read 0.93x and 1.00x in consecutive runs of 21 rounds), so a claim about a few
 * percent needs many rounds. This reads each run's results.json and gives, per scenario, load
 * point and server: the median over all rounds, its ratio to the base server's median (what the
 * README quotes), the median of the per-round ratios (each round's two figures were measured
 * seconds apart), and a bootstrap interval for the ratio, so a reader can see how sure it is.
 * Pool runs from one machine only: rps from a faster machine would outweigh the rest.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spread, type RunRecord } from './summary.js'

export interface Pooled {
  scenario: string
  load: string
  level: number
  server: string
  rounds: number
  medianRps: number
  /** Median rps over the base server's median rps. */
  ratio: number
  /** Median of the per-round ratios (rounds where both servers ran). */
  pairedRatio: number
  /** 5th and 95th percentiles of `ratio` over bootstrap resamples of the rounds. */
  interval: [number, number]
  /** Median over the rounds of the server's CPU per answered request (µs, from /proc), where recorded. */
  cpuUs?: number
  /** cpuUs over the base server's. */
  cpuRatio?: number
}

const median = (values: number[]) => spread(values).median

/** A small seeded generator, so the same runs always print the same interval. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function pool(runs: RunRecord[][], base: string, resamples = 2000): Pooled[] {
  // (scenario, load, level) → round key → server → rps; a run's rounds are keyed by run and round.
  const points = new Map<string, Map<string, Map<string, number>>>()
  // (scenario, load, level) → server → CPU µs per request of each round that recorded it.
  const cpu = new Map<string, Map<string, number[]>>()
  runs.forEach((records, run) => {
    for (const r of records) {
      const point = `${r.scenario}\0${r.load}\0${r.level}`
      if (!points.has(point)) points.set(point, new Map())
      const rounds = points.get(point)!
      const round = `${run}:${r.round}`
      if (!rounds.has(round)) rounds.set(round, new Map())
      rounds.get(round)!.set(r.server, r.result.rps)
      if (r.serverCores !== undefined && r.result.rps > 0) {
        if (!cpu.has(point)) cpu.set(point, new Map())
        const byServer = cpu.get(point)!
        byServer.set(r.server, [...(byServer.get(r.server) ?? []), (r.serverCores * 1e6) / r.result.rps])
      }
    }
  })
  const out: Pooled[] = []
  for (const [point, rounds] of points) {
    const [scenario, load, level] = point.split('\0') as [string, string, string]
    const servers = [...new Set([...rounds.values()].flatMap((m) => [...m.keys()]))]
    for (const server of servers) {
      const own = [...rounds.values()].filter((m) => m.has(server)).map((m) => m.get(server)!)
      const both = [...rounds.values()].filter((m) => m.has(server) && m.has(base)).map((m) => [m.get(server)!, m.get(base)!] as const)
      const baseAll = [...rounds.values()].filter((m) => m.has(base)).map((m) => m.get(base)!)
      const ratioOf = (pairs: readonly (readonly [number, number])[]) => median(pairs.map((p) => p[0])) / median(pairs.map((p) => p[1]))
      const random = mulberry32(both.length)
      const estimates: number[] = []
      for (let i = 0; i < (both.length ? resamples : 0); i++) {
        estimates.push(ratioOf(both.map(() => both[Math.floor(random() * both.length)]!)))
      }
      estimates.sort((a, b) => a - b)
      const ownCpu = cpu.get(point)?.get(server)
      const baseCpu = cpu.get(point)?.get(base)
      out.push({
        scenario, load, level: Number(level), server, rounds: own.length, medianRps: median(own),
        ratio: median(own) / median(baseAll),
        pairedRatio: median(both.map(([s, b]) => s / b)),
        interval: [estimates[Math.floor(0.05 * estimates.length)] ?? NaN, estimates[Math.floor(0.95 * estimates.length)] ?? NaN],
        cpuUs: ownCpu ? median(ownCpu) : undefined,
        cpuRatio: ownCpu && baseCpu ? median(ownCpu) / median(baseCpu) : undefined,
      })
    }
  }
  return out
}

export function readRuns(dirs: string[]): RunRecord[][] {
  return dirs.map((dir) => (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { runs: RunRecord[] }).runs)
}

export function poolTable(rows: Pooled[], base: string): string {
  const f = (x: number) => x.toFixed(3)
  const lines = [
    `| scenario | load | server | rounds | median rps | / ${base} | paired | 90% interval | CPU µs / request | CPU / ${base} |`,
    '|---|---|---|---:|---:|---:|---:|---|---:|---:|',
  ]
  for (const r of rows) {
    const cpuCells = `${r.cpuUs !== undefined ? r.cpuUs.toFixed(1) : '–'} | ${r.server === base ? '' : r.cpuRatio !== undefined ? f(r.cpuRatio) : '–'} |`
    lines.push(`| ${r.scenario} | ${r.load} ${r.level} | ${r.server} | ${r.rounds} | ${Math.round(r.medianRps)} | ` +
      (r.server === base ? '1 (base) | | | ' : `${f(r.ratio)} | ${f(r.pairedRatio)} | ${f(r.interval[0])}–${f(r.interval[1])} | `) + cpuCells)
  }
  return lines.join('\n')
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--base')
  const base = at >= 0 ? args.splice(at, 2)[1]! : 'node-cluster'
  if (args.length === 0) {
    console.error('usage: npm run bench:pool -- RESULTS_DIR... [--base SERVER]   (each dir holds a results.json)')
    process.exit(2)
  }
  console.log(poolTable(pool(readRuns(args), base), base))
}
