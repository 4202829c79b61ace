/**
 * From the raw runs to one row per (scenario, load point, server): median with min–max of each
 * figure over the repeats, the fraction of the Little's-law ceiling, and the ratio to the baseline.
 */
import type { LoadResult } from '../load/result.js'

export type LoadModel = 'closed' | 'open'

export interface RunRecord {
  scenario: string
  server: string
  load: LoadModel
  /** Connections (closed loop) or requests per second (open loop). */
  level: number
  round: number
  result: LoadResult
  /** The light route's open loop beside the run (scenarios with a light route). */
  light?: LoadResult
  /** CPU the upstream simulator used during the run, in cores (1 = one core fully busy). */
  upstreamCores?: number
  /** CPU the server under test used during the run, in cores. */
  serverCores?: number
  /** CPU the embedded database used during the run, in cores. */
  databaseCores?: number
  /** Fraction of all the machine's cores busy during the run. */
  machineBusy?: number
}

export interface Spread { median: number; min: number; max: number }

export interface Row {
  scenario: string
  server: string
  label: string
  workers: number
  load: LoadModel
  level: number
  runs: number
  rps: Spread
  meanMs: Spread
  p99Ms: Spread
  errors: Spread
  /** Little's-law ceiling in rps, closed-loop I/O-bound scenarios only. */
  ceiling?: number
  fraction?: Spread
  /** Median rps over the baseline server's median rps at the same point. */
  relative?: number
  baseline?: boolean
  upstreamCoresMax?: number
  /** CPU per answered request, in µs, from /proc over each run: the server's (all its processes), the upstream's, the database's. */
  serverUs?: Spread
  upstreamUs?: Spread
  databaseUs?: Spread
  machineBusy?: number
  sendLagP99Ms?: number
  offered?: number
  /** The light route loaded beside it: its latency and failures. */
  light?: { p50Ms: Spread; p99Ms: Spread; errors: Spread }
}

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return { median: NaN, min: NaN, max: NaN }
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return { median, min: s[0]!, max: s[s.length - 1]! }
}

export interface SummaryInput {
  runs: RunRecord[]
  /** Server name → label, in table order. */
  servers: { name: string; label: string }[]
  workers: number
  /** Scenario names in report order. */
  scenarios: string[]
  /** Scenario name → critical path in ms (I/O-bound scenarios only). */
  criticalPathMs: Record<string, number | undefined>
}

export function summarize(input: SummaryInput): Row[] {
  const groups = new Map<string, RunRecord[]>()
  for (const r of input.runs) {
    const key = `${r.scenario}\u0000${r.load}\u0000${r.level}\u0000${r.server}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const order = new Map(input.servers.map((s, i) => [s.name, i]))
  const scenarioOrder = new Map(input.scenarios.map((s, i) => [s, i]))
  const rows: Row[] = []
  for (const runs of groups.values()) {
    const first = runs[0]!
    const critical = input.criticalPathMs[first.scenario]
    const ceiling = first.load === 'closed' && critical ? first.level / (critical / 1000) : undefined
    const rps = runs.map((r) => r.result.rps)
    const cores = runs.map((r) => r.upstreamCores).filter((v): v is number => v !== undefined)
    const busy = runs.map((r) => r.machineBusy).filter((v): v is number => v !== undefined)
    const perRequest = (cores: (r: RunRecord) => number | undefined): Spread | undefined => {
      const us = runs.filter((r) => cores(r) !== undefined && r.result.rps > 0).map((r) => (cores(r)! * 1e6) / r.result.rps)
      return us.length ? spread(us) : undefined
    }
    rows.push({
      scenario: first.scenario, server: first.server,
      label: input.servers.find((s) => s.name === first.server)?.label ?? first.server,
      workers: input.workers, load: first.load, level: first.level, runs: runs.length,
      rps: spread(rps),
      meanMs: spread(runs.map((r) => r.result.meanMs)),
      p99Ms: spread(runs.map((r) => r.result.p99Ms)),
      errors: spread(runs.map((r) => r.result.errors)),
      ceiling,
      fraction: ceiling ? spread(rps.map((v) => v / ceiling)) : undefined,
      upstreamCoresMax: cores.length ? Math.max(...cores) : undefined,
      serverUs: perRequest((r) => r.serverCores),
      upstreamUs: perRequest((r) => r.upstreamCores),
      databaseUs: perRequest((r) => r.databaseCores),
      machineBusy: busy.length ? spread(busy).median : undefined,
      sendLagP99Ms: first.load === 'open' ? spread(runs.map((r) => r.result.sendLagP99Ms ?? 0)).max : undefined,
      offered: first.load === 'open' ? first.level : undefined,
      light: runs.every((r) => r.light) ? {
        p50Ms: spread(runs.map((r) => r.light!.p50Ms)),
        p99Ms: spread(runs.map((r) => r.light!.p99Ms)),
        errors: spread(runs.map((r) => r.light!.errors)),
      } : undefined,
    })
  }
  rows.sort((a, b) => (scenarioOrder.get(a.scenario) ?? 99) - (scenarioOrder.get(b.scenario) ?? 99) || a.load.localeCompare(b.load) ||
    a.level - b.level || (order.get(a.server) ?? 99) - (order.get(b.server) ?? 99))
  // The baseline is the first server in table order at each point, as Gunicorn sync is in seed 000.
  const seen = new Map<string, number>()
  for (const row of rows) {
    const key = `${row.scenario}\u0000${row.load}\u0000${row.level}`
    const base = seen.get(key)
    if (base === undefined) {
      seen.set(key, row.rps.median)
      row.relative = 1
      row.baseline = true
    } else {
      row.relative = base > 0 ? row.rps.median / base : undefined
    }
  }
  return rows
}
