/**
 * What `corral top` draws, as Ink components (React for the terminal). Written with
 * createElement rather than JSX, so the build stays plain tsc. The numbers are the dashboard's
 * (admin/wire.ts) and are formatted by the same functions as the page (admin/page/format.ts).
 */
import { createElement as h, type ReactNode } from 'react'
import { Box, Text } from 'ink'
import asciichart from 'asciichart'
import type { Point, Snapshot, WorkerRow } from '../admin/wire.js'
import { age, breakerText, bytes, clock, count, metricLabel, metricValue, ms, percent, rate } from '../admin/page/format.js'

interface Cell { text: string; width: number; left?: boolean; color?: string; bold?: boolean }

const pad = (c: Cell) => {
  const t = c.text.length > c.width ? c.text.slice(0, Math.max(1, c.width - 1)) + '…' : c.text
  return c.left ? t.padEnd(c.width) : t.padStart(c.width)
}

function Row({ cells }: { cells: Cell[] }): ReactNode {
  return h(Text, { wrap: 'truncate' }, ...cells.map((c, i) => h(Text, { key: i, color: c.color, bold: c.bold }, (i ? ' ' : '') + pad(c))))
}

function Table<R>({ title, columns, rows, max }: { title: string; columns: { title: string; width: number; left?: boolean; cell: (r: R) => string; color?: (r: R) => string | undefined }[]; rows: R[]; max?: number }): ReactNode {
  const shown = max !== undefined ? rows.slice(0, max) : rows
  return h(Box, { flexDirection: 'column', marginTop: 1 },
    h(Text, { bold: true, color: 'cyan' }, title + (shown.length < rows.length ? ` (${shown.length} of ${rows.length})` : '')),
    h(Row, { cells: columns.map((c) => ({ text: c.title, width: c.width, left: c.left, color: 'gray' })) }),
    ...shown.map((r, i) => h(Row, { key: i, cells: columns.map((c) => ({ text: c.cell(r), width: c.width, left: c.left, color: c.color?.(r) })) })))
}

function Header({ s, status }: { s: Snapshot; status: { ok: boolean; text: string } }): ReactNode {
  const ready = s.workers.filter((w) => w.state === 'ready').length
  return h(Box, { justifyContent: 'space-between' },
    h(Text, null, h(Text, { bold: true, color: 'cyan' }, 'corral'), `  pid ${s.pid}  `, h(Text, { color: s.state === 'running' ? 'green' : 'yellow' }, s.state),
      `  generation ${s.generation}  workers ${ready}/${s.target} ready  up ${age(s.at - s.startedAt)}`),
    h(Text, { color: status.ok ? 'green' : 'red' }, status.text))
}

function Tiles({ s }: { s: Snapshot }): ReactNode {
  const r = s.requests
  const fiveXx = r.byStatus.filter((c) => c.code.startsWith('5')).reduce((n, c) => n + c.perSecond, 0)
  const restarts = Object.values(s.restarts).reduce((n, x) => n + x, 0)
  const tile = (label: string, value: string, color?: string) => h(Text, null, h(Text, { color: 'gray' }, label + ' '), h(Text, { bold: true, color }, value), '   ')
  return h(Box, { marginTop: 1 },
    tile('requests/s', rate(r.perSecond)), tile('p50', ms(r.latencyMs?.p50)), tile('p95', ms(r.latencyMs?.p95)), tile('p99', ms(r.latencyMs?.p99)),
    tile('in flight', count(r.inFlight)), tile('5xx/s', s.metrics ? rate(fiveXx) : '–', fiveXx > 0 ? 'red' : undefined),
    tile('served', count(r.total)), tile('restarts', String(restarts), restarts > 0 ? 'yellow' : undefined))
}

/** A line chart of the last `width` values; unknown values (null) draw as 0. */
function Chart({ title, values, width, height, color }: { title: string; values: (number | null)[]; width: number; height: number; color: string }): ReactNode {
  const tail = values.slice(-Math.max(2, width - 12)).map((v) => v ?? 0)
  const max = Math.max(1, ...tail)
  const body = tail.length < 2 ? 'waiting for data…' : asciichart.plot(tail, {
    height, min: 0, max, colors: [color], format: (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1)).padStart(7),
  })
  return h(Box, { flexDirection: 'column', width, marginTop: 1 }, h(Text, { bold: true, color: 'cyan' }, title), h(Text, { wrap: 'truncate' }, body))
}

/** The latency of the points taken since top (or a page) began watching: earlier ones have none. */
const watchedTail = (points: Point[]) => {
  let i = points.length
  while (i > 0 && points[i - 1].full) i--
  return points.slice(i)
}

function workerColumns(workers: WorkerRow[]) {
  const extra = [...new Set(workers.flatMap((w) => Object.keys(w.extra)))].sort()
  return [
    { title: 'id', width: 4, cell: (w: WorkerRow) => String(w.id) },
    { title: 'pid', width: 8, cell: (w: WorkerRow) => String(w.pid) },
    { title: 'gen', width: 3, cell: (w: WorkerRow) => String(w.generation) },
    { title: 'state', width: 8, left: true, cell: (w: WorkerRow) => w.state, color: (w: WorkerRow) => (w.state === 'ready' ? 'green' : 'yellow') },
    { title: 'age', width: 8, cell: (w: WorkerRow) => age(w.ageMs) },
    { title: 'served', width: 8, cell: (w: WorkerRow) => count(w.served) },
    { title: 'in flight', width: 9, cell: (w: WorkerRow) => count(w.inFlight) },
    { title: 'heartbeat', width: 9, cell: (w: WorkerRow) => `${(w.heartbeatAgeMs / 1000).toFixed(1)}s`, color: (w: WorkerRow) => (w.heartbeatAgeMs > 5000 ? 'red' : undefined) },
    { title: 'rss', width: 7, cell: (w: WorkerRow) => bytes(w.rss) },
    { title: 'lag', width: 8, cell: (w: WorkerRow) => ms(w.loopLagMs), color: (w: WorkerRow) => (w.loopLagMs > 100 ? 'red' : undefined) },
    { title: 'loop', width: 5, cell: (w: WorkerRow) => percent(w.loopUtilization) },
    ...(workers.some((w) => w.overload) ? [
      { title: 'limit', width: 5, cell: (w: WorkerRow) => count(w.overload?.limit) },
      { title: 'waiting', width: 7, cell: (w: WorkerRow) => count(w.overload?.waiting), color: (w: WorkerRow) => ((w.overload?.waiting ?? 0) > 0 ? 'yellow' : undefined) },
      { title: 'shed', width: 6, cell: (w: WorkerRow) => count(w.overload?.shed), color: (w: WorkerRow) => ((w.overload?.shed ?? 0) > 0 ? 'yellow' : undefined) },
    ] : []),
    ...extra.map((k) => ({ title: k, width: Math.max(6, k.length), cell: (w: WorkerRow) => (typeof w.extra[k] === 'number' ? count(w.extra[k] as number) : String(w.extra[k] ?? '–')) })),
  ]
}

export interface TopProps {
  snapshot: Snapshot | undefined
  points: Point[]
  status: { ok: boolean; text: string }
  message: string
  columns: number
  rows: number
}

export function TopView({ snapshot: s, points, status, message, columns, rows }: TopProps): ReactNode {
  if (!s) return h(Box, { flexDirection: 'column' }, h(Text, { bold: true, color: 'cyan' }, 'corral top'), h(Text, { color: status.ok ? undefined : 'red' }, status.text), h(Text, { color: 'gray' }, 'q quit'))
  const chartHeight = rows >= 46 ? 6 : rows >= 36 ? 4 : rows >= 28 ? 2 : 0
  const wide = columns >= 110
  const chartWidth = wide ? Math.floor(columns / 2) - 1 : columns
  const charts = chartHeight === 0 ? [] : [
    h(Chart, { key: 'rps', title: 'requests / s', values: points.map((p) => p.rps), width: chartWidth, height: chartHeight, color: asciichart.green }),
    h(Chart, { key: 'p99', title: 'latency p99 (ms)', values: watchedTail(points).map((p) => p.p99), width: chartWidth, height: chartHeight, color: asciichart.yellow }),
  ]
  const restarts = Object.entries(s.restarts)
  const codes = s.requests.byStatus
  const keys = s.actions ? 'q quit · r reload · + / - workers' : 'q quit · (reload and scale: start corral with --dashboard-actions)'
  return h(Box, { flexDirection: 'column', width: columns },
    h(Header, { s, status }),
    h(Tiles, { s }),
    wide ? h(Box, null, ...charts) : h(Box, { flexDirection: 'column' }, ...charts),
    h(Table<WorkerRow>, { title: 'WORKERS', columns: workerColumns(s.workers), rows: s.workers, max: Math.max(2, rows - 30) }),
    h(Box, { marginTop: 1, flexDirection: 'column' },
      h(Text, { wrap: 'truncate' }, h(Text, { bold: true, color: 'cyan' }, 'STATUS  '), codes.length ? codes.map((c) => `${c.code} ${count(c.total)} (${rate(c.perSecond)}/s)`).join('   ') : 'none yet'),
      h(Text, { wrap: 'truncate' }, h(Text, { bold: true, color: 'cyan' }, 'RESTARTS  '), ...restarts.map(([reason, n], i) =>
        h(Text, { key: reason, color: n > 0 && reason !== 'reload' ? 'yellow' : undefined }, `${i ? '   ' : ''}${reason.replace(/_/g, ' ')} ${n}`)))),
    s.upstreams.length > 0 && h(Table<(typeof s.upstreams)[number]>, { title: 'UPSTREAMS', rows: s.upstreams, columns: [
      { title: 'upstream', width: 20, left: true, cell: (u) => u.name },
      { title: 'calls', width: 8, cell: (u) => count(u.calls) },
      { title: '/s', width: 7, cell: (u) => rate(u.perSecond) },
      { title: 'errors/s', width: 8, cell: (u) => rate(u.errorsPerSecond), color: (u) => (u.errorsPerSecond > 0 ? 'red' : undefined) },
      { title: 'p95', width: 9, cell: (u) => ms(u.p95Ms) },
      { title: 'breaker', width: 24, left: true, cell: (u) => breakerText(u.breaker), color: (u) => (u.breaker.open ? 'red' : u.breaker.halfOpen ? 'yellow' : undefined) },
    ] }),
    s.pools.length > 0 && h(Table<(typeof s.pools)[number]>, { title: 'DATABASE POOLS', rows: s.pools, columns: [
      { title: 'pool', width: 20, left: true, cell: (p) => p.name },
      { title: 'in use', width: 6, cell: (p) => count(p.inUse) },
      { title: 'idle', width: 5, cell: (p) => count(p.idle) },
      { title: 'max', width: 5, cell: (p) => count(p.size) },
      { title: 'waiting', width: 7, cell: (p) => count(p.waiting), color: (p) => (p.waiting > 0 ? 'yellow' : undefined) },
      { title: 'queries/s', width: 9, cell: (p) => rate(p.queriesPerSecond) },
    ] }),
    s.queues.length > 0 && h(Table<(typeof s.queues)[number]>, { title: 'JOB QUEUES', rows: s.queues, columns: [
      { title: 'queue', width: 20, left: true, cell: (q) => q.name },
      { title: 'queued', width: 7, cell: (q) => count(q.queued) },
      { title: 'running', width: 7, cell: (q) => count(q.active) },
      { title: 'dead', width: 5, cell: (q) => count(q.dead), color: (q) => ((q.dead ?? 0) > 0 ? 'yellow' : undefined) },
      { title: 'runs/s', width: 7, cell: (q) => rate(q.runsPerSecond) },
    ] }),
    s.caches.length > 0 && h(Table<(typeof s.caches)[number]>, { title: 'CACHES', rows: s.caches, columns: [
      { title: 'cache', width: 20, left: true, cell: (c) => c.name },
      { title: 'hit ratio', width: 9, cell: (c) => percent(c.hitRatio) },
      { title: 'reads/s', width: 8, cell: (c) => rate(c.readsPerSecond) },
    ] }),
    s.overload.length > 0 && h(Table<(typeof s.overload)[number]>, { title: 'OVERLOAD', rows: s.overload, columns: [
      { title: 'metric', width: 24, left: true, cell: (o) => metricLabel(o.name) },
      { title: 'all workers', width: 16, cell: (o) => (o.kind === 'counter' ? `${count(o.total)} (${rate(o.perSecond)}/s)` : metricValue(o.name, o.total)) },
      ...s.workers.map((w) => ({ title: `w${w.id}`, width: 9, cell: (o: (typeof s.overload)[number]) => (o.kind === 'counter' ? '' : metricValue(o.name, o.perWorker[w.id])) })),
    ] }),
    h(Box, { marginTop: 1, flexDirection: 'column' },
      h(Text, { bold: true, color: 'cyan' }, 'EVENTS'),
      ...s.events.slice(-Math.max(1, Math.min(8, rows - 38))).reverse().map((e, i) =>
        h(Text, { key: i, wrap: 'truncate', color: e.kind === 'exit' ? 'yellow' : undefined }, `${clock(e.at)}  ${e.text}`))),
    h(Box, { marginTop: 1 }, h(Text, { color: 'gray' }, keys), message ? h(Text, { color: 'magenta' }, '   ' + message) : null))
}
