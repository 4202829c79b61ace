/**
 * The report of one run: report.md, results.json (every raw run, the machine, the settings) and
 * the charts, in bench/results/<timestamp>/, and the same report as bench/results/latest.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Machine } from '../machine.js'
import type { ResolvedOptions } from '../options.js'
import { lineChart } from './svg.js'
import type { Row, RunRecord } from './summary.js'
import { pointNotes, pointTable, pointTitle } from './table.js'

export interface ReportInput {
  dir: string
  startedAt: Date
  elapsedS: number
  command: string
  options: ResolvedOptions
  machine: Machine
  scenarios: { name: string; about: string; criticalPathMs?: number; light?: { path: string; rate: number } }[]
  servers: { name: string; label: string; version: string }[]
  notes: string[]
  runs: RunRecord[]
  rows: Row[]
  upstreamProcesses: number
}

function markdown(r: ReportInput, assets: string): string {
  const o = r.options
  const m = r.machine
  const out: string[] = [
    `# corral bench · ${o.suite} suite · ${r.startedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
    '',
    `Reproduce with \`${r.command}\` (took ${r.elapsedS.toFixed(0)} s).`,
    '',
    `- machine: ${m.cores} cores (${m.usableCpus} usable), ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}`,
    `- servers on node ${m.serverNode?.version ?? m.node}${m.serverNode && m.serverNode.path !== process.execPath ? ` (${m.serverNode.path})` : ''}; ` +
      `bench on node ${m.node}; ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    '- CPU / request: CPU time from /proc of all the server\'s processes (and of the upstream, the database) over each run, ' +
      'divided by the answers; median over the runs',
    `- closed loop: ${m.loadGenerator}; open loop: bench/load/open-loop.ts (undici, latency from the scheduled send)`,
    `- every server: ${o.workers} workers; each point ${o.repeats} runs of ${o.durationS} s (at least five critical paths)` +
      `${o.warmupS ? ` after a ${o.warmupS} s warm-up` : ', no separate warm-up'}, servers alternating within each round ` +
      '(A B C, B C A, C A B, …); figures are medians with (min–max)',
    `- fanout upstream delay ${o.delayMs} ms; cpu scenario ${o.cpuIterations} PBKDF2 iterations`,
    '',
    '| server | version |', '|---|---|',
    ...r.servers.map((s) => `| ${s.label} (\`${s.name}\`) | ${s.version} |`),
    '',
  ]
  if (r.notes.length) out.push('Skipped or changed:', '', ...r.notes.map((n) => `- ${n}`), '')
  for (const s of r.scenarios) {
    const rows = r.rows.filter((row) => row.scenario === s.name)
    if (rows.length === 0) continue
    out.push(`## ${s.name}`, '', s.about, '')
    const points = [...new Set(rows.map((row) => `${row.load}:${row.level}`))]
    for (const p of points) {
      const pr = rows.filter((row) => `${row.load}:${row.level}` === p)
      out.push(`### ${pointTitle(pr[0]!, s.criticalPathMs, s.light)}`, '', pointTable(pr, s.light), '')
      const notes = pointNotes(pr, r.upstreamProcesses)
      if (notes) out.push(notes, '')
    }
    if (rows.some((row) => row.load === 'closed')) {
      out.push(`![${s.name} throughput](${assets}throughput-${s.name}.svg) ![${s.name} p99](${assets}p99-${s.name}.svg)`, '')
    }
  }
  return out.join('\n')
}

export function writeReport(r: ReportInput): { report: string; latest: string; markdown: string } {
  mkdirSync(r.dir, { recursive: true })
  const servers = r.servers.map(({ name, label }) => ({ name, label }))
  for (const s of r.scenarios) {
    const rows = r.rows.filter((row) => row.scenario === s.name && row.load === 'closed')
    if (rows.length === 0) continue
    writeFileSync(join(r.dir, `throughput-${s.name}.svg`), lineChart({
      title: `${s.name}: throughput (rps, median, min–max)`, yLabel: 'requests / s', rows, servers, value: (x) => x.rps,
    }))
    writeFileSync(join(r.dir, `p99-${s.name}.svg`), lineChart({
      title: `${s.name}: p99 latency (ms, median, min–max)`, yLabel: 'p99 latency, ms', rows, servers,
      // A server that finished no request has no latency to draw, not a latency of zero.
      value: (x) => (x.rps.median > 0 ? x.p99Ms : { median: NaN, min: NaN, max: NaN }),
    }))
  }
  const md = markdown(r, '')
  const report = join(r.dir, 'report.md')
  writeFileSync(report, md)
  writeFileSync(join(r.dir, 'results.json'), `${JSON.stringify({
    startedAt: r.startedAt, command: r.command, machine: r.machine, options: { ...r.options, log: undefined },
    servers: r.servers, notes: r.notes, rows: r.rows, runs: r.runs,
  }, null, 2)}\n`)
  const latest = join(r.dir, '..', 'latest.md')
  writeFileSync(latest, markdown(r, `${basename(r.dir)}/`))
  return { report, latest, markdown: md }
}
