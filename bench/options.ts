/**
 * What a bench run does, from `npm run bench -- <flags>`, `corral bench <flags>` or runBench(opts).
 * A suite sets the load points (in scenarios/index.ts) and the time spent on each; flags override.
 * Bad values are refused with CORRAL_ERR_USAGE, quoting what was received.
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { corralError } from '../src/errors.js'

export const suites = ['quick', 'default', 'full'] as const
export type Suite = (typeof suites)[number]

interface SuiteTiming { repeats: number; durationS: number; warmupS: number }

// quick: under 2 minutes on 2 cores (with QUICK_SERVERS); default: under 10. Durations are
// whole seconds because wrk takes no fractions; a scenario's runs last at least five critical
// paths (run.ts), so the fanout runs of the quick suite take 2 s. The quick suite has no
// separate warm-up: its first round warms, and the median of three hides it.
/**
 * The quick suite's servers when none are named: the seed's baseline (Gunicorn sync), the seed's
 * best (Gunicorn + Uvicorn), plain node:cluster and corral async. With all eight it took 176 s on
 * 2 cores, past its 2-minute promise; the default suite runs every server.
 */
export const QUICK_SERVERS = ['gunicorn-sync', 'gunicorn-uvicorn', 'node-cluster', 'corral-async']

const timing: Record<Suite, SuiteTiming> = {
  quick: { repeats: 3, durationS: 1, warmupS: 0 },
  default: { repeats: 3, durationS: 2, warmupS: 1 },
  full: { repeats: 5, durationS: 10, warmupS: 2 },
}

export interface BenchOptions {
  suite?: Suite
  /** Same as suite: 'quick'. */
  quick?: boolean
  /** Scenario names to run (default: all of the suite's). */
  scenarios?: string[]
  /** Server names to run (default: all present). */
  servers?: string[]
  /** Worker processes for every server (default: the CPUs available). */
  workers?: number
  /** Threads per worker for corral's threads model. */
  threads?: number
  repeats?: number
  durationS?: number
  warmupS?: number
  /** Upstream delay of the fanout scenario, ms. */
  delayMs?: number
  /** PBKDF2 iterations of the cpu scenario. */
  cpuIterations?: number
  /** Where results go (default bench/results under the repository root). */
  outDir?: string
  /** Repository root (default: the one holding this file). */
  root?: string
  /** First port to hand out; each server and the upstream get their own above it. */
  basePort?: number
  /**
   * The Node binary the servers (and the simulators) run on; default: the one running the bench.
   * The bench itself, wrk and the report stay where they are, so two Node versions compare on one harness.
   */
  node?: string
  /** PostgreSQL for the product scenario; default: an embedded PGlite in a temporary folder. */
  databaseUrl?: string
  /** Progress lines (default: stderr). */
  log?: (line: string) => void
}

export type ResolvedOptions = Required<Omit<BenchOptions, 'quick' | 'scenarios' | 'servers' | 'databaseUrl'>> &
  Pick<BenchOptions, 'scenarios' | 'servers' | 'databaseUrl'>

const positive = (name: string, v: number | undefined, integer: boolean): number | undefined => {
  if (v === undefined) return undefined
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw corralError('CORRAL_ERR_USAGE', `bench --${name}: expected a positive ${integer ? 'integer' : 'number'}, received ${JSON.stringify(v)}`)
  }
  return v
}

export function resolveOptions(o: BenchOptions, root: string, outDir: string): ResolvedOptions {
  const suite: Suite = o.quick ? 'quick' : o.suite ?? 'default'
  if (!suites.includes(suite)) {
    throw corralError('CORRAL_ERR_USAGE', `bench --suite: expected one of ${suites.join(', ')}, received ${JSON.stringify(suite)}`)
  }
  const t = timing[suite]
  return {
    suite,
    scenarios: o.scenarios,
    servers: o.servers ?? (suite === 'quick' ? QUICK_SERVERS : undefined),
    workers: positive('workers', o.workers, true) ?? availableParallelism(),
    threads: positive('threads', o.threads, true) ?? 4,
    repeats: positive('repeats', o.repeats, true) ?? t.repeats,
    durationS: positive('duration', o.durationS, true) ?? t.durationS,
    warmupS: o.warmupS === 0 ? 0 : positive('warmup', o.warmupS, true) ?? t.warmupS,
    delayMs: positive('delay', o.delayMs, true) ?? 300,
    cpuIterations: positive('cpu-iterations', o.cpuIterations, true) ?? 100_000,
    outDir: o.outDir ?? outDir,
    root: o.root ?? root,
    basePort: positive('port', o.basePort, true) ?? 18_400,
    node: nodeBinary(o.node),
    databaseUrl: o.databaseUrl,
    log: o.log ?? ((line) => process.stderr.write(`${line}\n`)),
  }
}

/** The servers' Node: an executable that answers `-v` with a version, or CORRAL_ERR_USAGE naming what was given. */
function nodeBinary(path: string | undefined): string {
  if (path === undefined) return process.execPath
  const r = spawnSync(path, ['-v'], { encoding: 'utf8', timeout: 10_000 })
  if (r.error || r.status !== 0 || !/^v\d+\./.test(r.stdout)) {
    throw corralError('CORRAL_ERR_USAGE', `bench --node: expected a Node.js binary, received ${JSON.stringify(path)} (${r.error?.message ?? (r.stderr || r.stdout).trim()})`)
  }
  return path
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || Number.isNaN(n)) {
    throw corralError('CORRAL_ERR_USAGE', `bench --${name}: expected a number, received ${JSON.stringify(v)}`)
  }
  return n
}
const list = (v: string | undefined) => v?.split(',').map((s) => s.trim()).filter(Boolean)

export const usage = `usage: bench [--quick | --full | --suite quick|default|full] [--scenarios hello,fanout]
             [--servers node-cluster,pm2,...] [--workers N] [--threads T] [--repeats N]
             [--duration S] [--warmup S] [--delay MS] [--cpu-iterations N] [--out DIR] [--port P]
             [--node PATH_TO_NODE] [--database-url postgres://...]`

/** Command-line flags → BenchOptions. */
export function parseBenchArgs(argv: string[]): BenchOptions & { help?: boolean } {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' }, full: { type: 'boolean' }, suite: { type: 'string' },
        scenarios: { type: 'string' }, servers: { type: 'string' },
        workers: { type: 'string', short: 'w' }, threads: { type: 'string' },
        repeats: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' },
        delay: { type: 'string' }, 'cpu-iterations': { type: 'string' },
        out: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        node: { type: 'string' }, 'database-url': { type: 'string' },
      },
      strict: true,
    }).values
  } catch (err) {
    throw corralError('CORRAL_ERR_USAGE', `bench: ${(err as Error).message}\n${usage}`)
  }
  return {
    help: parsed.help,
    quick: parsed.quick,
    suite: parsed.full ? 'full' : (parsed.suite as Suite | undefined),
    scenarios: list(parsed.scenarios),
    servers: list(parsed.servers),
    workers: num('workers', parsed.workers),
    threads: num('threads', parsed.threads),
    repeats: num('repeats', parsed.repeats),
    durationS: num('duration', parsed.duration),
    warmupS: num('warmup', parsed.warmup),
    delayMs: num('delay', parsed.delay),
    cpuIterations: num('cpu-iterations', parsed['cpu-iterations']),
    outDir: parsed.out,
    basePort: num('port', parsed.port),
    node: parsed.node,
    databaseUrl: parsed['database-url'],
  }
}
