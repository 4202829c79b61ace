/**
 * The dashboard's tables. Every cell is set with textContent: upstream, pool and queue names come
 * from the app, and the page must never run them as HTML.
 */
import type { Snapshot, WorkerRow } from '../wire.js'
import { age, breakerText, bytes, clock, count, metricLabel, metricValue, ms, percent, rate } from './format.js'

export interface Column<R> {
  title: string
  cell: (row: R) => string
  /** Left-aligned text rather than a number. */
  text?: boolean
  /** A class for the cell: 'bad' or 'warn' to draw the eye. */
  mark?: (row: R) => string | undefined
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

export function fill<R>(id: string, columns: Column<R>[], rows: R[], rowAttrs?: (row: R) => Record<string, string>): void {
  const table = byId<HTMLTableElement>(id)
  const head = document.createElement('tr')
  for (const c of columns) {
    const th = document.createElement('th')
    th.textContent = c.title
    if (c.text) th.className = 'text'
    head.append(th)
  }
  const body = rows.map((r) => {
    const tr = document.createElement('tr')
    for (const [k, v] of Object.entries(rowAttrs?.(r) ?? {})) tr.setAttribute(k, v)
    for (const c of columns) {
      const td = document.createElement('td')
      td.textContent = c.cell(r)
      const cls = [c.text ? 'text' : '', c.mark?.(r) ?? ''].filter(Boolean).join(' ')
      if (cls) td.className = cls
      tr.append(td)
    }
    return tr
  })
  if (rows.length === 0) {
    const tr = document.createElement('tr')
    const td = document.createElement('td')
    td.colSpan = columns.length
    td.className = 'empty'
    td.textContent = 'none'
    tr.append(td)
    body.push(tr)
  }
  const thead = document.createElement('thead')
  thead.append(head)
  const tbody = document.createElement('tbody')
  tbody.append(...body)
  table.replaceChildren(thead, tbody)
}

/** Show a panel only when it has something to show. */
export function show(panelId: string, on: boolean): void {
  byId(panelId).hidden = !on
}

const overloadColumns: Column<WorkerRow>[] = [
  { title: 'limit', cell: (w) => count(w.overload?.limit) },
  { title: 'running', cell: (w) => count(w.overload?.running) },
  { title: 'waiting', cell: (w) => count(w.overload?.waiting), mark: (w) => ((w.overload?.waiting ?? 0) > 0 ? 'warn' : undefined) },
  { title: 'shed', cell: (w) => count(w.overload?.shed), mark: (w) => ((w.overload?.shed ?? 0) > 0 ? 'warn' : undefined) },
]

function workerColumns(workers: WorkerRow[]): Column<WorkerRow>[] {
  const extra = [...new Set(workers.flatMap((w) => Object.keys(w.extra)))].sort()
  return [
    { title: 'id', cell: (w) => String(w.id) },
    { title: 'pid', cell: (w) => String(w.pid), text: true },
    { title: 'gen', cell: (w) => String(w.generation) },
    { title: 'state', cell: (w) => w.state, text: true, mark: (w) => (w.state === 'ready' ? undefined : 'warn') },
    { title: 'age', cell: (w) => age(w.ageMs) },
    { title: 'served', cell: (w) => count(w.served) },
    { title: 'in flight', cell: (w) => count(w.inFlight) },
    { title: 'heartbeat', cell: (w) => `${(w.heartbeatAgeMs / 1000).toFixed(1)}s ago`, mark: (w) => (w.heartbeatAgeMs > 5000 ? 'bad' : undefined) },
    { title: 'RSS', cell: (w) => bytes(w.rss) },
    { title: 'loop lag', cell: (w) => ms(w.loopLagMs), mark: (w) => (w.loopLagMs > 100 ? 'bad' : undefined) },
    { title: 'loop use', cell: (w) => percent(w.loopUtilization), mark: (w) => (w.loopUtilization > 0.9 ? 'warn' : undefined) },
    ...(workers.some((w) => w.overload) ? overloadColumns : []),
    ...extra.map((k): Column<WorkerRow> => ({ title: k, cell: (w) => (w.extra[k] === undefined ? '–' : typeof w.extra[k] === 'number' ? count(w.extra[k] as number) : String(w.extra[k])) })),
  ]
}

export function renderTables(s: Snapshot): void {
  fill('workers', workerColumns(s.workers), s.workers, (w) => ({ 'data-pid': String(w.pid), 'data-worker': String(w.id), class: w.state }))
  fill('codes', [
    { title: 'status', cell: (c) => c.code, text: true },
    { title: 'total', cell: (c) => count(c.total) },
    { title: '/ s', cell: (c) => rate(c.perSecond), mark: (c) => (c.code.startsWith('5') && c.perSecond > 0 ? 'bad' : undefined) },
  ], s.requests.byStatus, (c) => ({ 'data-code': c.code }))
  const restarts = Object.entries(s.restarts).map(([reason, n]) => ({ reason, n }))
  fill('restarts', [
    { title: 'reason', cell: (r) => r.reason.replace(/_/g, ' '), text: true },
    { title: 'count', cell: (r) => String(r.n), mark: (r) => (r.n > 0 && r.reason !== 'reload' ? 'warn' : undefined) },
  ], restarts, (r) => ({ 'data-reason': r.reason }))

  show('panel-upstreams', s.upstreams.length > 0)
  fill('upstreams', [
    { title: 'upstream', cell: (u) => u.name, text: true },
    { title: 'calls', cell: (u) => count(u.calls) },
    { title: '/ s', cell: (u) => rate(u.perSecond) },
    { title: 'errors / s', cell: (u) => rate(u.errorsPerSecond), mark: (u) => (u.errorsPerSecond > 0 ? 'bad' : undefined) },
    { title: 'p95', cell: (u) => ms(u.p95Ms) },
    { title: 'errors', cell: (u) => Object.entries(u.errors).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${count(n)}`).join(', ') || '–', text: true },
    { title: 'breaker', cell: (u) => breakerText(u.breaker), text: true, mark: (u) => (u.breaker.open ? 'bad' : u.breaker.halfOpen ? 'warn' : undefined) },
  ], s.upstreams, (u) => ({ 'data-upstream': u.name }))

  show('panel-pools', s.pools.length > 0)
  fill('pools', [
    { title: 'pool', cell: (p) => p.name, text: true },
    { title: 'in use', cell: (p) => count(p.inUse) },
    { title: 'idle', cell: (p) => count(p.idle) },
    { title: 'max', cell: (p) => count(p.size) },
    { title: 'waiting', cell: (p) => count(p.waiting), mark: (p) => (p.waiting > 0 ? 'warn' : undefined) },
    { title: 'queries / s', cell: (p) => rate(p.queriesPerSecond) },
    { title: 'errors / s', cell: (p) => rate(p.errorsPerSecond), mark: (p) => (p.errorsPerSecond > 0 ? 'bad' : undefined) },
  ], s.pools)

  show('panel-queues', s.queues.length > 0)
  fill('queues', [
    { title: 'queue', cell: (q) => q.name, text: true },
    { title: 'queued', cell: (q) => count(q.queued) },
    { title: 'running', cell: (q) => count(q.active) },
    { title: 'dead', cell: (q) => count(q.dead), mark: (q) => ((q.dead ?? 0) > 0 ? 'warn' : undefined) },
    { title: 'runs / s', cell: (q) => rate(q.runsPerSecond) },
    { title: 'failed / s', cell: (q) => rate(q.failuresPerSecond), mark: (q) => (q.failuresPerSecond > 0 ? 'bad' : undefined) },
  ], s.queues)

  show('panel-caches', s.caches.length > 0)
  fill('caches', [
    { title: 'cache', cell: (c) => c.name, text: true },
    { title: 'hit ratio', cell: (c) => percent(c.hitRatio) },
    { title: 'reads / s', cell: (c) => rate(c.readsPerSecond) },
  ], s.caches)

  show('panel-overload', s.overload.length > 0)
  const workerIds = s.workers.map((w) => String(w.id))
  fill('overload', [
    { title: 'metric', cell: (o) => metricLabel(o.name), text: true },
    { title: 'all workers', cell: (o) => (o.kind === 'counter' ? `${count(o.total)} (${rate(o.perSecond)}/s)` : metricValue(o.name, o.total)) },
    ...workerIds.map((id): Column<(typeof s.overload)[number]> => ({ title: `w${id}`, cell: (o) => (o.kind === 'counter' ? '' : metricValue(o.name, o.perWorker[id])) })),
  ], s.overload, (o) => ({ 'data-metric': o.name }))

  const events = document.getElementById('events') as HTMLUListElement
  events.replaceChildren(...s.events.slice().reverse().map((e) => {
    const li = document.createElement('li')
    li.className = e.kind
    const time = document.createElement('time')
    time.textContent = clock(e.at)
    li.append(time, e.text)
    return li
  }))
}
