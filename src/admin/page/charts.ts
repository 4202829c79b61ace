/**
 * The dashboard's charts over the history, drawn with uPlot (loaded as a global by a classic
 * script before this module). Each chart is a row of a table: the series it draws and how each
 * reads a Point. A null is a gap: numbers only the workers' metrics give are missing while
 * nobody watched.
 */
import type UPlot from 'uplot'
import type { Point } from '../wire.js'
import { clock, metricLabel } from './format.js'

const uPlot = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot

interface Line { label: string; color: string; pick: (p: Point) => number | null; dash?: number[] }
interface ChartSpec { id: string; lines: (points: Point[]) => Line[]; /** Hide the panel while every value is null. */ optional?: boolean }

const palette = ['#2f6fdf', '#e8710a', '#1a7f37', '#c62828', '#8e44ad', '#00838f', '#6d4c41']
const mb = (n: number) => n / 1024 / 1024

const specs: ChartSpec[] = [
  { id: 'rps', lines: () => [
    { label: 'all', color: palette[0], pick: (p) => p.rps },
    { label: '4xx', color: palette[1], pick: (p) => p.codes?.[2] ?? null },
    { label: '5xx', color: palette[3], pick: (p) => p.codes?.[3] ?? null },
  ] },
  { id: 'latency', lines: () => [
    { label: 'p50', color: palette[2], pick: (p) => p.p50 },
    { label: 'p95', color: palette[1], pick: (p) => p.p95 },
    { label: 'p99', color: palette[3], pick: (p) => p.p99 },
  ] },
  { id: 'load', lines: () => [
    { label: 'in flight', color: palette[0], pick: (p) => p.inFlight },
    { label: 'ready workers', color: palette[2], pick: (p) => p.workers, dash: [4, 4] },
    { label: 'restarts', color: palette[3], pick: (p) => p.restarts, dash: [2, 3] },
  ] },
  { id: 'loop', lines: () => [
    { label: 'lag ms', color: palette[3], pick: (p) => p.lagMs },
    { label: 'utilisation %', color: palette[4], pick: (p) => p.utilization * 100 },
  ] },
  { id: 'memory', lines: () => [{ label: 'RSS MB', color: palette[5], pick: (p) => mb(p.rssBytes) }] },
  { id: 'io', optional: true, lines: () => [
    { label: 'upstream calls/s', color: palette[0], pick: (p) => p.upstreamRps },
    { label: 'upstream errors/s', color: palette[3], pick: (p) => p.upstreamErrorsPerSecond },
    { label: 'db in use', color: palette[2], pick: (p) => p.dbInUse },
    { label: 'db waiting', color: palette[1], pick: (p) => p.dbWaiting },
    { label: 'jobs queued', color: palette[4], pick: (p) => p.queued },
  ] },
  { id: 'overload', optional: true, lines: (points) => {
    const names = [...new Set(points.flatMap((p) => Object.keys(p.overload ?? {})))].sort()
    return names.map((name, i) => ({ label: metricLabel(name), color: palette[i % palette.length], pick: (p: Point) => p.overload?.[name] ?? null }))
  } },
]

interface Drawn { plot: UPlot; labels: string; el: HTMLElement }
const drawn = new Map<string, Drawn>()

function widthOf(el: HTMLElement): number {
  return Math.max(280, el.clientWidth)
}

export function renderCharts(points: Point[]): void {
  const xs = points.map((p) => p.t / 1000)
  for (const spec of specs) {
    const el = document.getElementById(`chart-${spec.id}`)!
    const lines = spec.lines(points)
    const columns = lines.map((l) => points.map(l.pick))
    if (spec.optional) {
      const any = columns.some((c) => c.some((v) => v !== null && v !== 0))
      const panel = document.getElementById(`panel-chart-${spec.id}`)!
      if (!any && !drawn.has(spec.id)) { panel.hidden = true; continue }
      panel.hidden = false
    }
    const data = [xs, ...columns] as UPlot.AlignedData
    const labels = lines.map((l) => l.label).join('|')
    const current = drawn.get(spec.id)
    if (current && current.labels === labels) {
      current.plot.setData(data)
      continue
    }
    current?.plot.destroy()
    const plot = new uPlot({
      width: widthOf(el), height: 160,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#888', grid: { stroke: '#8883' }, values: (_u: UPlot, splits: number[]) => splits.map((s) => clock(s * 1000)) },
        { stroke: '#888', grid: { stroke: '#8883' }, size: 60 },
      ],
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, dash: l.dash, spanGaps: false, points: { show: false } }))],
    }, data, el)
    drawn.set(spec.id, { plot, labels, el })
  }
}

addEventListener('resize', () => {
  for (const d of drawn.values()) d.plot.setSize({ width: widthOf(d.el), height: 160 })
})
