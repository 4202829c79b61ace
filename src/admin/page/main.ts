/**
 * The dashboard page: it asks the admin port for /dashboard/state every second (only the points
 * it does not have yet), keeps the history, and redraws the tiles, charts and tables. Polling
 * rather than a stream: the master samples at that pace anyway, a closed tab simply stops asking
 * (which is how the master knows nobody watches), and `corral top` reads the very same document.
 */
import type { Point, Snapshot, State } from '../wire.js'
import { age, count, ms, rate } from './format.js'
import { renderCharts } from './charts.js'
import { renderTables } from './tables.js'

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

let points: Point[] = []
let latest: Snapshot | undefined
let failures = 0

function setText(id: string, text: string, bad = false): void {
  const el = $(id)
  el.textContent = text
  el.parentElement?.classList.toggle('bad', bad)
}

function renderHeader(s: Snapshot, intervalMs: number): void {
  const ready = s.workers.filter((w) => w.state === 'ready').length
  $('server').textContent = `pid ${s.pid} · ${s.state} · generation ${s.generation} · ${ready}/${s.target} workers ready · up ${age(s.at - s.startedAt)}`
  $('pace').textContent = s.metrics ? `refreshed every ${intervalMs / 1000}s` : `metrics are off (--no-metrics): heartbeat numbers only`
  $('actions').hidden = !s.actions
  $('target').textContent = String(s.target)
}

function renderTiles(s: Snapshot): void {
  const r = s.requests
  setText('stat-rps', rate(r.perSecond))
  setText('stat-p50', ms(r.latencyMs?.p50))
  setText('stat-p95', ms(r.latencyMs?.p95))
  setText('stat-p99', ms(r.latencyMs?.p99))
  setText('stat-inflight', count(r.inFlight))
  const fiveXx = r.byStatus.filter((c) => c.code.startsWith('5')).reduce((n, c) => n + c.perSecond, 0)
  setText('stat-errors', s.metrics ? rate(fiveXx) : '–', fiveXx > 0)
  setText('stat-total', count(r.total))
  const restarts = Object.values(s.restarts).reduce((n, x) => n + x, 0)
  setText('stat-restarts', String(restarts))
}

function live(on: boolean, text: string): void {
  const el = $('live')
  el.className = on ? 'on' : 'off'
  el.textContent = text
}

async function poll(): Promise<number> {
  const since = points.at(-1)?.t ?? 0
  try {
    const res = await fetch(`/dashboard/state${since ? `?since=${since}` : ''}`, { signal: AbortSignal.timeout(5000), cache: 'no-store' })
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    const state = (await res.json()) as State
    points = points.concat(state.points).filter((p) => p.t >= state.snapshot.at - state.historyMs)
    latest = state.snapshot
    failures = 0
    live(true, 'live')
    renderHeader(latest, state.intervalMs)
    renderTiles(latest)
    renderTables(latest)
    renderCharts(points)
    return state.intervalMs
  } catch (err) {
    failures++
    live(false, latest ? `disconnected (${(err as Error).message}); retrying` : 'cannot reach the admin port; retrying')
    return Math.min(5000, 1000 * failures)
  }
}

async function act(path: string, body: unknown): Promise<void> {
  const buttons = ['reload', 'scale-up', 'scale-down'].map((id) => $<HTMLButtonElement>(id))
  for (const b of buttons) b.disabled = true
  $('action-result').textContent = path.endsWith('reload') ? 'reloading…' : 'scaling…'
  try {
    const res = await fetch(`/dashboard/actions/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const reply = (await res.json()) as { ok: boolean; error?: string; generation?: number; target?: number }
    $('action-result').textContent = !reply.ok ? `refused: ${reply.error}` : reply.generation !== undefined ? `generation ${reply.generation} serving` : `target ${reply.target}`
  } catch (err) {
    $('action-result').textContent = `failed: ${(err as Error).message}`
  } finally {
    for (const b of buttons) b.disabled = false
  }
}

$('reload').addEventListener('click', () => void act('reload', {}))
$('scale-up').addEventListener('click', () => void act('scale', { to: (latest?.target ?? 1) + 1 }))
$('scale-down').addEventListener('click', () => void act('scale', { to: Math.max(1, (latest?.target ?? 1) - 1) }))

async function loop(): Promise<void> {
  for (;;) {
    const started = Date.now()
    const every = await poll()
    await new Promise((r) => setTimeout(r, Math.max(100, every - (Date.now() - started))))
  }
}

void loop()
