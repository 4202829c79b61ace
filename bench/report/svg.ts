/**
 * Line charts as hand-written SVG: one series per server, x = connections (log scale when the
 * points span a decade or more), y from zero, median points joined, min–max as whiskers.
 * Hand-written because a charting library would be the heaviest dependency of the project for
 * two kinds of chart; SVG opens in any browser and renders on GitHub.
 */
import type { Row } from './summary.js'

const W = 760
const H = 360
const M = { left: 64, right: 230, top: 36, bottom: 48 }
const palette = ['#d62728', '#ff7f0e', '#bcbd22', '#1f77b4', '#17becf', '#9467bd', '#8c564b', '#2ca02c', '#e377c2']

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** 1, 2, 5 × 10^n steps so axis labels read as round numbers. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks
  const p = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw
}

export function lineChart(o: {
  title: string
  yLabel: string
  rows: Row[]
  value: (r: Row) => { median: number; min: number; max: number }
  servers: { name: string; label: string }[]
}): string {
  const rows = o.rows.filter((r) => r.load === 'closed')
  const xs = [...new Set(rows.map((r) => r.level))].sort((a, b) => a - b)
  const series = o.servers.filter((s) => rows.some((r) => r.server === s.name))
  const yMaxRaw = Math.max(1e-9, ...rows.map((r) => o.value(r).max).filter(Number.isFinite))
  const step = niceStep(yMaxRaw, 5)
  const yMax = Math.ceil(yMaxRaw / step) * step
  const log = xs.length > 1 && xs[xs.length - 1]! / xs[0]! >= 10
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const xPos = (x: number) => {
    if (xs.length === 1) return M.left + pw / 2
    const [a, b] = [xs[0]!, xs[xs.length - 1]!]
    const t = log ? (Math.log(x) - Math.log(a)) / (Math.log(b) - Math.log(a)) : (x - a) / (b - a)
    return M.left + 20 + t * (pw - 40)
  }
  const yPos = (y: number) => M.top + ph - (Math.min(y, yMax) / yMax) * ph
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`,
  ]
  for (let y = 0; y <= yMax + step / 2; y += step) {
    const py = yPos(y).toFixed(1)
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${M.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${+y.toPrecision(6)}</text>`)
  }
  for (const x of xs) {
    const px = xPos(x).toFixed(1)
    out.push(`<line x1="${px}" x2="${px}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#333"/>`,
      `<text x="${px}" y="${M.top + ph + 18}" text-anchor="middle">${x}</text>`)
  }
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">connections${log ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`)
  series.forEach((s, i) => {
    const color = palette[i % palette.length]!
    const pts = xs.flatMap((x) => {
      const r = rows.find((row) => row.server === s.name && row.level === x)
      const v = r ? o.value(r) : undefined
      return v && Number.isFinite(v.median) ? [{ x: xPos(x), v }] : []
    })
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${p.x.toFixed(1)},${yPos(p.v.median).toFixed(1)}`).join(' ')}"/>`)
    }
    for (const p of pts) {
      out.push(`<line x1="${p.x.toFixed(1)}" x2="${p.x.toFixed(1)}" y1="${yPos(p.v.min).toFixed(1)}" y2="${yPos(p.v.max).toFixed(1)}" stroke="${color}" stroke-width="1"/>`,
        `<circle cx="${p.x.toFixed(1)}" cy="${yPos(p.v.median).toFixed(1)}" r="3.5" fill="${color}"/>`)
    }
    const ly = M.top + 8 + i * 18
    out.push(`<rect x="${W - M.right + 12}" y="${ly - 6}" width="12" height="12" fill="${color}"/>`,
      `<text x="${W - M.right + 30}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n')
}
