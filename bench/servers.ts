/**
 * The servers under test, as data. Each says how to find out whether it is installed (and its
 * version), which scenarios it implements, and the command that serves one scenario with N
 * workers on 127.0.0.1:port. A server that is not installed is skipped with a note, never faked.
 *
 * Every server gets the same worker count (the issue's rule), including Gunicorn's sync worker,
 * which the seed gave 2 x cores + 1: the table shows what one worker model does with the same
 * processes. The list order is the table order; the first present server is the "1x" baseline,
 * as Gunicorn sync is in seed 000.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { Scenario } from './scenarios/index.js'

export interface LaunchContext {
  root: string
  scenario: Scenario
  port: number
  workers: number
  threads: number
  /** A private scratch directory for this server instance. */
  tmp: string
  /** The Node binary to run it on (--node). */
  node: string
}

export interface Launch { command: string; args: string[]; env?: Record<string, string> }

export type Presence = { present: true; version: string } | { present: false; note: string }

export interface ServerDef {
  name: string
  /** "server / model" as the table shows it. */
  label: string
  detect(root: string): Presence
  /** Scenario names it implements; undefined means any scenario with a corral app. */
  scenarios?: readonly string[]
  launch(ctx: LaunchContext): Launch
}

// fanout-io is the fanout written with corral/io: to the anchors it is the same fan-out, written by hand.
const anchorScenarios = ['hello', 'json', 'fanout', 'fanout-io', 'cpu', 'cpu-offload'] as const
/** The Node anchors also serve the shop's product page, hand-written with undici and pg (anchors/node/product.cjs). */
const nodeAnchorScenarios = [...anchorScenarios, 'product'] as const

const run = (command: string, args: string[]) => {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 })
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : undefined
}

const corralMain = (root: string) => join(root, 'dist/cli/main.js')

function corral(model: 'async' | 'sync' | 'threads', extra: readonly string[] = [], build?: string): ServerDef {
  return {
    name: [`corral-${model}`, ...(build ? [`root=${build}`] : []), ...extra].join('@'),
    label: `corral ${model}${build ? ` (build in ${build})` : ''}${extra.length ? ` (${extra.join(' ')})` : ''}`,
    detect(repo) {
      const root = build ?? repo
      if (!existsSync(corralMain(root))) {
        return { present: false, note: 'dist/cli/main.js is absent: build corral first (`npm run build`)' }
      }
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
      const rev = run('git', ['-C', root, 'rev-parse', '--short', 'HEAD'])
      return { present: true, version: `${pkg.version}${rev ? ` (${rev})` : ''}` }
    },
    launch: ({ root, scenario, port, workers, threads, node }) => ({
      command: node,
      args: [corralMain(build ?? root), 'serve', join(root, scenario.apps?.[`corral-${model}`] ?? scenario.app), ...(scenario.corralArgs ?? []), '--workers', String(workers),
        '--bind', `127.0.0.1:${port}`, '--worker-class', model,
        ...(model === 'threads' ? ['--threads', String(threads)] : []),
        '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off', ...extra],
    }),
  }
}

const nodeAnchor = (root: string, file: string) => join(root, 'bench/anchors/node', file)

const pm2Bin = (root: string): string | undefined => {
  try {
    const pkgPath = createRequire(join(root, 'package.json')).resolve('pm2/package.json')
    return join(pkgPath, '..', 'bin', 'pm2')
  } catch { return undefined }
}

/** The interpreter Gunicorn runs under (from its #! line), to ask it which worker classes it can load. */
let found: { bin: string; python: string; version: string } | undefined | null = null
function gunicorn(): { bin: string; python: string; version: string } | undefined {
  if (found === null) found = findGunicorn()
  return found
}

function findGunicorn(): { bin: string; python: string; version: string } | undefined {
  const bin = process.env.BENCH_GUNICORN ?? 'gunicorn'
  const version = run(bin, ['--version'])
  if (version === undefined) return undefined
  const path = run('sh', ['-c', `command -v ${JSON.stringify(bin)}`]) ?? bin
  let python = 'python3'
  try {
    const shebang = readFileSync(path, 'utf8').split('\n', 1)[0] ?? ''
    const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(shebang)
    if (m) python = m[1]!.endsWith('/env') && m[2] ? m[2] : m[1]!
  } catch { /* not a script: keep python3 */ }
  return { bin, python, version: version.replace(/^gunicorn \(version (.*)\)$/, '$1') }
}

function pyVersions(python: string, modules: string[]): string | { missing: string } {
  const code = modules.map((m) => `import ${m}`).join('; ') +
    `; print(' '.join(m + ' ' + getattr(__import__(m), '__version__', '?') for m in ${JSON.stringify(modules)}))`
  const out = run(python, ['-c', code])
  return out ?? { missing: modules.join(', ') }
}

function gunicornServer(name: string, label: string, workerClass: string, modules: string[], app: string,
  extra: (ctx: LaunchContext) => string[] = () => [], scenarios: readonly string[] = anchorScenarios): ServerDef {
  return {
    name, label, scenarios,
    detect() {
      const g = gunicorn()
      if (g === undefined) return { present: false, note: 'gunicorn is not installed (Debian: apt-get install gunicorn)' }
      const v = pyVersions(g.python, modules)
      if (typeof v !== 'string') {
        return { present: false, note: `${g.python} cannot import ${v.missing} (Debian: python3-${modules.join(' python3-')})` }
      }
      return { present: true, version: `gunicorn ${g.version}, ${v}` }
    },
    launch: (ctx) => ({
      command: gunicorn()?.bin ?? 'gunicorn',
      args: ['--workers', String(ctx.workers), '--worker-class', workerClass, '--bind', `127.0.0.1:${ctx.port}`,
        '--chdir', join(ctx.root, 'bench/anchors/python'), '--keep-alive', '20', '--timeout', '120',
        '--graceful-timeout', '2', '--log-level', 'warning', ...extra(ctx), app],
    }),
  }
}

export const servers: readonly ServerDef[] = [
  gunicornServer('gunicorn-sync', 'Gunicorn sync (WSGI)', 'sync', ['httpx'], 'wsgi_app:app'),
  // gthread: Gunicorn's threaded worker, the anchor of corral's threads class (--threads per process).
  // Only in the CPU scenarios, to keep the default suite within its time.
  gunicornServer('gunicorn-gthread', 'Gunicorn gthread (WSGI)', 'gthread', ['httpx'], 'wsgi_app:app',
    ({ threads }) => ['--threads', String(threads)], ['cpu', 'cpu-offload']),
  gunicornServer('gunicorn-gevent', 'Gunicorn gevent', 'gevent', ['gevent', 'httpx'], 'wsgi_app:app',
    () => ['--worker-connections', '1000']),
  gunicornServer('gunicorn-uvicorn', 'Gunicorn + Uvicorn (ASGI)', 'uvicorn.workers.UvicornWorker',
    ['uvicorn', 'uvloop', 'httptools', 'httpx'], 'asgi_app:app'),
  {
    name: 'node-cluster', label: 'node:cluster + undici', scenarios: nodeAnchorScenarios,
    detect: () => ({ present: true, version: 'node:cluster of the servers\' Node' }),
    launch: ({ root, workers, node }) => ({
      command: node, args: [nodeAnchor(root, 'cluster.cjs')], env: { BENCH_WORKERS: String(workers) },
    }),
  },
  {
    name: 'pm2', label: 'PM2 cluster mode', scenarios: nodeAnchorScenarios,
    detect(root) {
      const bin = pm2Bin(root)
      if (bin === undefined) return { present: false, note: 'pm2 is not installed (npm install: it is a devDependency)' }
      const pkg = JSON.parse(readFileSync(join(bin, '../../package.json'), 'utf8')) as { version: string }
      return { present: true, version: `pm2 ${pkg.version}` }
    },
    // --no-daemon keeps PM2's God process in the foreground as our child, in our process group,
    // so stopping the group stops PM2 and its workers; PM2_HOME in a scratch dir keeps it off
    // the user's own ~/.pm2 and any daemon running there.
    // PM2's cluster mode forks its God process's Node, so running PM2 on --node runs the app there too.
    launch: ({ root, scenario, workers, tmp, node }) => ({
      command: node,
      args: [pm2Bin(root) ?? 'pm2', 'start', nodeAnchor(root, 'app.cjs'), '-i', String(workers), '--no-daemon',
        '--name', `bench-${scenario.name}`, '--no-autorestart'],
      env: { PM2_HOME: join(tmp, 'pm2') },
    }),
  },
  corral('sync'),
  corral('threads'),
  corral('async'),
]

/**
 * A corral server with flags of its own, or from another build, loaded side by side with the plain
 * one (alternating rounds), for the cost of a feature or a change:
 *   corral-async@--stall-threshold=0           the same build with a setting changed
 *   corral-async@root=/tmp/main-build          the build (dist/) of another checkout
 * The app modules still come from this checkout, so both serve the same scenario.
 */
export function serverVariant(name: string): ServerDef | undefined {
  const [base, ...parts] = name.split('@')
  const model = /^corral-(async|sync|threads)$/.exec(base ?? '')?.[1] as 'async' | 'sync' | 'threads' | undefined
  const build = parts.find((p) => p.startsWith('root='))?.slice(5)
  const extra = parts.filter((p) => !p.startsWith('root='))
  if (!model || parts.length === 0 || extra.some((a) => !/^--[a-z][a-z-]*(=.*)?$/.test(a))) return undefined
  return corral(model, extra, build)
}
