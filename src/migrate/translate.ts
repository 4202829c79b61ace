/**
 * One source value to one corral setting: the steps every translation shares. A value computed
 * by code corral cannot translate is flagged; a read of an environment variable corral already
 * reads for that setting is dropped (corral's env wins over the file anyway); a computed worker
 * count that is what corral's "auto" computes becomes "auto"; a constant is checked with the
 * setting's own parser, so the file corral writes loads.
 */
import { Invalid } from '../config/parse.js'
import { settings, type SettingName } from '../config/settings/index.js'
import { quote, reads, toTs, unknownIn, valueOf, type Expr } from './expr.js'
import type { Line, Origin } from './source.js'

export type Conversion = { expr: Expr; why?: string } | { flagged: string } | { skip: string }

export interface TranslateOptions {
  convert?: (e: Expr) => Conversion
  why?: string
  /** The worker class the translated config ends up with, for "auto". */
  workerClass?: 'async' | 'sync' | 'threads'
}

/** `process.env.X ?? default`, `Number(process.env.X || default)` … where X is one of the setting's own variables. */
function ownEnvDefault(setting: SettingName, e: Expr): { env: string; rest: Expr | undefined } | undefined {
  const own = settings[setting].env
  const inner = e.k === 'call' && e.fn === 'Number' ? e.args[0] : e
  if (inner?.k === 'env' && own.includes(inner.name)) return { env: inner.name, rest: undefined }
  if (inner?.k === 'bin' && (inner.op === '??' || inner.op === '||') && inner.a.k === 'env' && own.includes(inner.a.name)) {
    return { env: inner.a.name, rest: inner.b }
  }
  return undefined
}

const autoCount = (cls: 'async' | 'sync' | 'threads', cpus: number) => (cls === 'sync' ? 2 * cpus + 1 : cpus)

/** A worker count that reads the CPU count and gives what --workers auto gives, at every CPU count tried. */
function isAuto(e: Expr, cls: 'async' | 'sync' | 'threads'): boolean {
  const r = reads(e)
  if (!r.cpu || r.env.length > 0) return false
  return [1, 2, 3, 4, 6, 8, 16, 64].every((cpus) => valueOf(e, { cpus, env: {} }) === autoCount(cls, cpus))
}

const flagged = (setting: SettingName, origin: Origin, reason: string, why?: string): Line =>
  ({ kind: 'setting', setting, ts: toDefault(setting), origin, flagged: reason, why })
/** The setting's default, as TypeScript for the commented-out line of a flagged value. */
const toDefault = (setting: SettingName): string => {
  const s = settings[setting]
  const v = s.default as unknown
  // A duration or a size: a bare number in a config file means seconds (or bytes), so say the unit.
  if (typeof v === 'number' && s.parse.show) return v === 0 ? '0' : quote((s.parse.show as (x: number) => string)(v))
  if (typeof v === 'string') return quote(v)
  if (Array.isArray(v)) return `[${v.map((i) => (typeof i === 'string' ? quote(i) : JSON.stringify(i))).join(', ')}]`
  if (v !== null && typeof v === 'object') {
    const b = v as { kind: string; host?: string; port?: number; path?: string }
    return quote(b.kind === 'unix' ? `unix:${b.path}` : `${b.host}:${b.port}`)
  }
  return String(v)
}

export function translateSetting(setting: SettingName, source: Expr, origin: Origin, o: TranslateOptions = {}): Line {
  const whys: string[] = o.why ? [o.why] : []
  let e = source
  const missing = unknownIn(e)
  if (missing) return flagged(setting, origin, `the value ${missing}`, `Set it by hand; corral's default is ${toDefault(setting)}.`)

  const own = ownEnvDefault(setting, e)
  if (own) {
    if (!own.rest) return { kind: 'builtin', origin, why: `corral reads ${own.env} itself for ${setting}, before this file.` }
    whys.push(`corral reads ${own.env} itself (it wins over this file), so only the fallback is kept.`)
    e = own.rest
  }

  if (o.convert) {
    const c = o.convert(e)
    if ('flagged' in c) return flagged(setting, origin, c.flagged)
    if ('skip' in c) return { kind: 'builtin', origin, why: c.skip }
    e = c.expr
    if (c.why) whys.unshift(c.why)
  }

  const r = reads(e)
  if (setting === 'workers' && r.cpu) {
    const cls = o.workerClass ?? 'async'
    if (isAuto(e, cls)) {
      return { kind: 'setting', setting, ts: `'auto'`, origin, why: `"auto" computes the same (${cls === 'sync' ? '2 x CPUs + 1 for the sync class' : `one per CPU for the ${cls} class`}), counting the CPUs this container may use (its cgroup quota) where cpu_count() counts the host's.` }
    }
  }
  if (r.cpu) whys.push('cpuCount() counts the CPUs this container may use (its cgroup quota), where Python\'s cpu_count() and Node\'s os.cpus() count the host\'s.')

  if (r.env.length === 0 && !r.cpu) {
    try {
      settings[setting].parse.parse(valueOf(e, { cpus: 1, env: {} }))
    } catch (err) {
      if (!(err instanceof Invalid)) throw err
      return flagged(setting, origin, `corral's ${setting} must be ${settings[setting].parse.expected}, and this is ${toTs(e)}`)
    }
  }
  return { kind: 'setting', setting, ts: toTs(e), origin, why: whys.join(' ') || undefined }
}
