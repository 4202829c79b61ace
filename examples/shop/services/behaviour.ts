/**
 * How each simulated service behaves: a latency distribution and a failure rate. Read once at
 * startup from, in order (later wins): the defaults (seed 000's latencies), a JSON file
 * (SIM_CONFIG_FILE), inline JSON (SIM_CONFIG), and per-service env shorthands
 * (SIM_PRICE_LATENCY_MS=400, SIM_PRICE_FAILURE_RATE=0.5). A bad value stops the simulator at boot
 * with the name of what was wrong, never a silent default.
 *
 *   { "price":     { "latency": 150, "failureRate": 0.1 },
 *     "recommend": { "latency": { "dist": "normal", "mean": 200, "sd": 30 } },
 *     "user":      { "latency": { "dist": "lognormal", "median": 300, "sigma": 0.5 }, "failStatus": 500 } }
 */
import { readFileSync } from 'node:fs'

export const serviceNames = ['price', 'recommend', 'favorites', 'user', 'order', 'product'] as const
export type ServiceName = (typeof serviceNames)[number]

export type Latency =
  | number
  | { dist: 'fixed'; ms: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; sd: number }
  | { dist: 'lognormal'; median: number; sigma: number }

export interface Behaviour {
  latency: Latency
  /** The fraction of calls, 0..1, answered with failStatus (after the latency, as real failures take time too). */
  failureRate: number
  failStatus: number
}

/** Seed 000: price 150 ms, recommendations 200 ms, favorites 50 ms; the gateway's user 300, orders 400, products 350. */
const defaults: Record<ServiceName, Behaviour> = {
  price: { latency: 150, failureRate: 0, failStatus: 503 },
  recommend: { latency: 200, failureRate: 0, failStatus: 503 },
  favorites: { latency: 50, failureRate: 0, failStatus: 503 },
  user: { latency: 300, failureRate: 0, failStatus: 503 },
  order: { latency: 400, failureRate: 0, failStatus: 503 },
  product: { latency: 350, failureRate: 0, failStatus: 503 },
}

class BadBehaviour extends Error {
  code = 'SIM_BAD_CONFIG'
  constructor(where: string, what: string, got: unknown) {
    super(`simulator config ${where}: expected ${what}, received ${JSON.stringify(got)}`)
  }
}

const nonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0

function checkLatency(where: string, l: unknown): Latency {
  const what = 'ms >= 0, or { dist: fixed|uniform|normal|lognormal, … }'
  if (nonNegative(l)) return l as number
  if (typeof l !== 'object' || l === null) throw new BadBehaviour(where, what, l)
  const o = l as Record<string, unknown>
  const ok = (o.dist === 'fixed' && nonNegative(o.ms))
    || (o.dist === 'uniform' && nonNegative(o.min) && nonNegative(o.max) && (o.max as number) >= (o.min as number))
    || (o.dist === 'normal' && nonNegative(o.mean) && nonNegative(o.sd))
    || (o.dist === 'lognormal' && nonNegative(o.median) && nonNegative(o.sigma))
  if (!ok) throw new BadBehaviour(where, what, l)
  return o as Latency
}

function merge(base: Behaviour, where: string, patch: unknown): Behaviour {
  if (typeof patch !== 'object' || patch === null) throw new BadBehaviour(where, 'an object', patch)
  const p = patch as Record<string, unknown>
  const out = { ...base }
  if ('latency' in p) out.latency = checkLatency(`${where}.latency`, p.latency)
  if ('failureRate' in p) {
    if (!nonNegative(p.failureRate) || (p.failureRate as number) > 1) throw new BadBehaviour(`${where}.failureRate`, 'a number from 0 to 1', p.failureRate)
    out.failureRate = p.failureRate as number
  }
  if ('failStatus' in p) {
    if (!Number.isInteger(p.failStatus) || (p.failStatus as number) < 400 || (p.failStatus as number) > 599) throw new BadBehaviour(`${where}.failStatus`, 'an HTTP status from 400 to 599', p.failStatus)
    out.failStatus = p.failStatus as number
  }
  return out
}

function applyDocument(into: Record<ServiceName, Behaviour>, where: string, doc: unknown): void {
  if (typeof doc !== 'object' || doc === null) throw new BadBehaviour(where, 'a JSON object keyed by service', doc)
  for (const [name, patch] of Object.entries(doc)) {
    if (!(serviceNames as readonly string[]).includes(name)) throw new BadBehaviour(`${where}: ${name}`, `one of ${serviceNames.join(', ')}`, name)
    into[name as ServiceName] = merge(into[name as ServiceName], `${where}: ${name}`, patch)
  }
}

function parseJson(where: string, text: string): unknown {
  try { return JSON.parse(text) } catch (err) { throw new BadBehaviour(where, 'JSON', (err as Error).message) }
}

export function readBehaviour(env: NodeJS.ProcessEnv = process.env): Record<ServiceName, Behaviour> {
  const out = structuredClone(defaults)
  if (env.SIM_CONFIG_FILE) applyDocument(out, env.SIM_CONFIG_FILE, parseJson(env.SIM_CONFIG_FILE, readFileSync(env.SIM_CONFIG_FILE, 'utf8')))
  if (env.SIM_CONFIG) applyDocument(out, 'SIM_CONFIG', parseJson('SIM_CONFIG', env.SIM_CONFIG))
  for (const name of serviceNames) {
    const key = name.toUpperCase()
    const latency = env[`SIM_${key}_LATENCY_MS`]
    const rate = env[`SIM_${key}_FAILURE_RATE`]
    if (latency !== undefined) out[name] = merge(out[name], `SIM_${key}_LATENCY_MS`, { latency: Number(latency) })
    if (rate !== undefined) out[name] = merge(out[name], `SIM_${key}_FAILURE_RATE`, { failureRate: Number(rate) })
  }
  return out
}

/** One draw from the distribution, in ms (never negative). */
export function drawLatency(l: Latency, random = Math.random): number {
  if (typeof l === 'number') return l
  switch (l.dist) {
    case 'fixed': return l.ms
    case 'uniform': return l.min + random() * (l.max - l.min)
    case 'normal': return Math.max(0, l.mean + l.sd * gaussian(random))
    case 'lognormal': return l.median * Math.exp(l.sigma * gaussian(random))
  }
}

/** Box–Muller: two uniforms to one standard normal draw. */
function gaussian(random: () => number): number {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}
