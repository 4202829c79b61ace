/**
 * The markdown tables, in seed 000's shape: server / model | workers | rps | mean | p99 |
 * fraction of ceiling | relative. One table per scenario and load point, medians over the
 * repeats with min–max beside them.
 */
import type { Row, Spread } from './summary.js'

const num = (v: number): string => {
  if (!Number.isFinite(v)) return '–'
  if (v >= 100) return v.toFixed(0)
  if (v >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

const ms = (v: number): string => (Number.isFinite(v) ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${num(v)} ms`) : '–')

const range = (s: Spread, f: (v: number) => string) =>
  s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`

const pct = (v: number) => `${(v * 100).toFixed(0)}%`

export function pointTitle(row: Row, criticalPathMs?: number, light?: { path: string; rate: number }): string {
  const beside = light ? ` · ${light.path} at ${light.rate} rps (open loop) beside it` : ''
  if (row.load === 'open') return `${row.scenario} · open loop at ${row.level} rps offered${beside}`
  const ceiling = row.ceiling !== undefined && criticalPathMs
    ? ` · ceiling ${num(row.ceiling)} rps = ${row.level} connections / ${criticalPathMs} ms` : ''
  return `${row.scenario} · closed loop, ${row.level} connections${ceiling}${beside}`
}

export function pointTable(rows: Row[], light?: { path: string; rate: number }): string {
  const open = rows[0]?.load === 'open'
  const io = rows.some((r) => r.ceiling !== undefined)
  // CPU per request, from /proc: the server's own, and what each request cost the upstream and the database.
  const perRequest: [string, (r: Row) => Spread | undefined][] = [['server', (r) => r.serverUs], ['upstream', (r) => r.upstreamUs], ['database', (r) => r.databaseUs]]
  const cpu = perRequest.filter(([, get]) => rows.some((r) => get(r) !== undefined))
  const cpuHead = cpu.map(([who]) => `${who} CPU / request`)
  const beside = light && rows.some((r) => r.light) ? [`${light.path} p50`, `${light.path} p99`, `${light.path} errors`] : []
  const head = open
    ? ['server / model', 'workers', 'rps (of offered)', 'mean', 'p99', 'errors', ...beside, ...cpuHead, 'relative']
    : ['server / model', 'workers', 'rps', 'mean', 'p99', 'errors', ...(io ? ['fraction of ceiling'] : []), ...beside, ...cpuHead, 'relative']
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h) => (h === 'server / model' ? '---' : '---:')).join('|')}|`]
  const footnotes: string[] = []
  for (const r of rows) {
    const little = littleMeanMs(r)
    if (little !== undefined) footnotes.push(`${r.label}: ${ms(little)}`)
    const cells = [
      r.label, String(r.workers),
      open ? `${range(r.rps, num)} (${pct(r.rps.median / r.level)})` : range(r.rps, num),
      r.rps.max === 0 ? 'none finished' : `${range(r.meanMs, ms)}${little !== undefined ? ' †' : ''}`,
      r.rps.max === 0 ? '–' : range(r.p99Ms, ms), range(r.errors, (v) => v.toFixed(0)),
      ...(!open && io ? [r.fraction ? range(r.fraction, pct) : '–'] : []),
      ...(beside.length ? (r.light ? [range(r.light.p50Ms, ms), range(r.light.p99Ms, ms), range(r.light.errors, (v) => v.toFixed(0))] : ['–', '–', '–']) : []),
      ...cpu.map(([, get]) => { const v = get(r); return v ? `${num(v.median)} µs` : '–' }),
      r.relative === undefined ? '–' : r.baseline ? '1x (base)' : `${r.relative.toFixed(r.relative < 10 ? 2 : 1)}x`,
    ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  if (footnotes.length) {
    lines.push('', `† Most connections were still waiting when the run ended, and the closed loop's mean covers ` +
      `only the requests that finished. By Little's law the mean time per request was connections / rps ` +
      `(what \`ab\` prints as "time per request", the figure in seed 000's table): ${footnotes.join('; ')}.`)
  }
  return lines.join('\n')
}

/** connections / rps when it is far above the measured mean: the server queued most requests past the run's end. */
function littleMeanMs(r: Row): number | undefined {
  if (r.load !== 'closed' || !(r.rps.median > 0)) return undefined
  const little = (r.level / r.rps.median) * 1000
  return little > 1.5 * r.meanMs.median ? little : undefined
}

/** A line under a table about the run conditions: upstream CPU, machine load, generator lag. */
export function pointNotes(rows: Row[], upstreamProcesses: number): string {
  const notes: string[] = []
  const up = rows.map((r) => r.upstreamCoresMax).filter((v): v is number => v !== undefined)
  if (up.length) {
    notes.push(`upstream simulator CPU: at most ${(Math.max(...up) * 100).toFixed(0)}% of one core across its ` +
      `${upstreamProcesses} processes (capacity ${upstreamProcesses * 100}%)`)
  }
  const busy = rows.map((r) => r.machineBusy).filter((v): v is number => v !== undefined)
  if (busy.length) notes.push(`machine busy: ${pct(Math.min(...busy))}–${pct(Math.max(...busy))} of all cores`)
  const lag = rows.map((r) => r.sendLagP99Ms).filter((v): v is number => v !== undefined)
  if (lag.length) notes.push(`generator send lag p99: at most ${ms(Math.max(...lag))}`)
  return notes.length ? `_${notes.join(' · ')}_` : ''
}
