/**
 * How the dashboard and `corral top` write numbers for people. No DOM and no Node here: the page
 * (built with page/tsconfig.json) and the terminal view both import it.
 */

const DASH = '–'

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`
  return String(Math.round(n))
}

/** Per-second rates: one decimal below 10, whole above. */
export function rate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  if (n === 0) return '0'
  if (n < 10) return n.toFixed(1)
  return count(n)
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  if (n < 1) return `${n.toFixed(2)} ms`
  if (n < 10) return `${n.toFixed(1)} ms`
  if (n < 10_000) return `${Math.round(n)} ms`
  return `${(n / 1000).toFixed(1)} s`
}

/** An age or uptime: 42s, 5m 03s, 3h 12m, 2d 4h. */
export function age(msValue: number): string {
  const s = Math.max(0, Math.floor(msValue / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(0)} MB`
  if (n >= 1024) return `${(n / 1024).toFixed(0)} kB`
  return `${n} B`
}

export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH
  return `${Math.round(ratio * 100)}%`
}

/** A clock time for an event line, in the viewer's time zone. */
export function clock(at: number): string {
  const d = new Date(at)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':')
}

/** corral_overload_queue_length → queue length; corral_overload_loop_delay_seconds → loop delay */
export function metricLabel(name: string): string {
  return name.replace(/^corral_overload_/, '').replace(/_(seconds|total)$/, '').replace(/_/g, ' ')
}

/** An overload gauge's value: a duration in seconds as ms, anything else as a count. */
export function metricValue(name: string, value: number | null | undefined): string {
  return name.endsWith('_seconds') ? ms(value === null || value === undefined ? value : value * 1000) : count(value)
}

export function breakerText(b: { closed: number; halfOpen: number; open: number }): string {
  const parts = []
  if (b.open) parts.push(`open ×${b.open}`)
  if (b.halfOpen) parts.push(`half-open ×${b.halfOpen}`)
  if (b.closed) parts.push(`closed ×${b.closed}`)
  return parts.join(', ') || DASH
}
