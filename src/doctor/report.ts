/** The doctor's findings as a person reads them: the measurements, the answer, then each setting with its reason. */
import type { Advice, RouteMeasure } from './verdict.js'

const fmt = (x: number) => x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n')
}

export function render(measures: RouteMeasure[], advice: Advice, context: string): string {
  // Alone: one request at a time (what a request is made of). Loaded: the concurrency asked for (what the worker does with many).
  const rows = [['route', 'alone: loop CPU ms', 'I/O wait ms', 'CPU share', 'loaded: rps', 'p50 ms', 'p99 ms', 'CPU ms/req', 'worker CPUs', 'loop busy', 'kind']]
  for (const m of measures) {
    const v = advice.routes.find((r) => r.path === m.path)!
    rows.push([m.path, fmt(m.solo.loopCpuMs), fmt(m.solo.ioWaitMs), `${Math.round(v.cpuShare * 100)}%`,
      fmt(m.loaded.rps), fmt(m.loaded.p50Ms), fmt(m.loaded.p99Ms), fmt(m.loaded.cpuMsPerRequest),
      m.loaded.cores.toFixed(2), m.loaded.loopUtilization === undefined ? '—' : `${Math.round(m.loaded.loopUtilization * 100)}%`, v.kind])
  }
  const lines = [context, '', table(rows), '']
  for (const v of advice.routes) lines.push(`${v.path}: ${v.why}`)
  lines.push('', `I/O-bound or CPU-bound? ${advice.answer}`, '', 'Recommended settings:')
  for (const r of advice.recommendations) lines.push(`  ${r.flag || r.setting}`, `      ${r.why}`)
  const errors = measures.filter((m) => m.loaded.errors > 0)
  if (errors.length) lines.push('', ...errors.map((m) => `note: ${m.path} answered ${m.loaded.errors} of ${m.loaded.requests} requests with an error under load (${failures(m.loaded)}); the figures include them.`))
  return lines.join('\n') + '\n'
}

/** What the failed requests were: their statuses, and the first failure (a status or why no answer came). */
function failures(l: { statuses: Record<string, number>; firstError: string | undefined }): string {
  const bad = Object.entries(l.statuses).filter(([status]) => Number(status) >= 400).map(([status, n]) => `${n} × HTTP ${status}`)
  return bad.length ? `${bad.join(', ')}; first: ${l.firstError}` : `first: ${l.firstError}`
}
