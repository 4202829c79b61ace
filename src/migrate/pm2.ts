/**
 * PM2's app fields (pm2.keymetrics.io, "Ecosystem File" attributes), each with its corral
 * equivalent or the reason there is none. PM2 times are milliseconds and its memory sizes are
 * "300M"; corral's are durations ("3s", "250ms") and sizes ("300mb").
 */
import { settingList, type SettingName } from '../config/settings/index.js'
import { constant, quote, toTs, type Expr } from './expr.js'
import type { Pm2App } from './javascript.js'
import type { Line, Origin, Plan } from './source.js'
import { translateSetting, type Conversion } from './translate.js'

/** PM2 milliseconds as a corral duration: 3000 → "3s"; computed ones as `${ms}ms`. */
function milliseconds(e: Expr): Conversion {
  if (e.k === 'const' && typeof e.v === 'number') return { expr: constant(e.v % 1000 === 0 ? `${e.v / 1000}s` : `${e.v}ms`) }
  if (e.k === 'const' && typeof e.v === 'string' && /^\d+$/.test(e.v)) return milliseconds(constant(Number(e.v)))
  return { expr: { k: 'template', parts: [e, 'ms'] } }
}

/** "300M", "1G", "512K" or bytes as a number. */
function memory(e: Expr): Conversion {
  if (e.k === 'const' && typeof e.v === 'number') return { expr: e }
  if (e.k === 'const' && typeof e.v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG])?B?\s*$/i.exec(e.v)
    if (!m) return { flagged: `${JSON.stringify(e.v)} is not a PM2 memory size (like "300M")` }
    return { expr: constant(m[2] ? `${m[1]}${m[2].toLowerCase()}b` : m[1]) }
  }
  return { flagged: 'the size is computed; set maxWorkerMemory by hand (like "300mb")' }
}

/** instances: a number, "max" (or 0) for one per CPU, -1 for all CPUs but one. */
function instances(e: Expr): Conversion {
  if (e.k === 'const' && (e.v === 'max' || e.v === 0 || e.v === '0')) return { expr: constant('auto'), why: '"max" is one process per CPU; corral\'s "auto" is one worker per CPU for the async class, counting the CPUs this container may use (its cgroup quota).' }
  if (e.k === 'const' && (e.v === -1 || e.v === '-1')) return { expr: { k: 'call', fn: 'Math.max', args: [constant(1), { k: 'bin', op: '-', a: { k: 'cpu' }, b: constant(1) }] }, why: 'PM2\'s -1 is every CPU but one.' }
  if (e.k === 'const' && typeof e.v === 'string' && /^-?\d+$/.test(e.v)) return instances(constant(Number(e.v)))
  if (e.k === 'const' && typeof e.v === 'number' && e.v < -1) return { expr: { k: 'call', fn: 'Math.max', args: [constant(1), { k: 'bin', op: '-', a: { k: 'cpu' }, b: constant(-e.v) }] }, why: `PM2's ${e.v} is every CPU but ${-e.v}.` }
  return { expr: e }
}

/** watch: true, or a list of folders to watch (corral watches the files the workers load instead). */
function watchToReload(e: Expr): Conversion {
  if (e.k === 'const' && typeof e.v === 'boolean') return { expr: e }
  return { expr: constant(true), why: 'PM2 watched the folders listed; corral watches the files the workers load, wherever they are (add others with reloadExtraFiles).' }
}

type Rule =
  | { to: SettingName; convert?: (e: Expr) => Conversion; why?: string }
  | { none: string }
  | { builtin: string }

const RULES: Record<string, Rule> = {
  instances: { to: 'workers', convert: instances },
  max_memory_restart: { to: 'maxWorkerMemory', convert: memory, why: 'PM2 restarts a process whose memory passes this; corral recycles such a worker gracefully, its replacement started first (RSS sampled every few seconds).' },
  kill_timeout: { to: 'gracefulTimeout', convert: milliseconds, why: 'how long a stopping worker may finish its requests before it is killed (PM2 waits this long after SIGINT).' },
  listen_timeout: { to: 'bootTimeout', convert: milliseconds, why: 'how long a new worker may take to become ready.' },
  port: { to: 'port' },
  error_file: { to: 'errorLog', why: 'corral\'s error log goes there; what the app itself prints on stderr still goes to corral\'s stderr.' },

  name: { none: 'corral does not name its processes; with several apps, run one corral (one systemd unit) per app.' },
  script: { none: 'PM2 runs the script, which listens by itself; corral imports a module and serves its export (a fetch handler, an Express or Fastify app): `corral serve app.ts`, or set `app` here. A script that calls listen() needs a small change: export the app instead (README, Quick start).' },
  args: { none: 'corral passes no arguments to the app; read such options from the environment.' },
  node_args: { none: 'corral has no setting for Node flags; set NODE_OPTIONS (e.g. "--max-old-space-size=512") in the environment corral starts in, and the workers inherit it.' },
  interpreter_args: { none: 'corral has no setting for Node flags; set NODE_OPTIONS in the environment corral starts in, and the workers inherit it.' },
  cwd: { none: 'start corral in that directory (WorkingDirectory= in systemd).' },
  watch: { to: 'reload', convert: watchToReload, why: 'for development: corral watches the files the workers loaded (the whole module graph, not folders) and the config, and rolls the workers onto the new code surge first (docs/reload.md). In production, SIGHUP or `corral ctl reload` after a deploy.' },
  ignore_watch: { none: 'corral watches only the files the workers load (never node_modules), so there is nothing to ignore.' },
  watch_delay: { none: 'corral waits for 50 ms without a change before it reloads; there is no setting.' },
  watch_options: { none: 'see watch.' },
  out_file: { none: 'what the app prints on stdout goes to corral\'s stdout; redirect that (StandardOutput= in systemd), and set accessLog for the request log.' },
  log_file: { none: 'corral does not merge stdout and stderr into a file; redirect them (StandardOutput=/StandardError= in systemd).' },
  combine_logs: { none: 'corral\'s workers already write to one stdout and one stderr.' },
  merge_logs: { none: 'corral\'s workers already write to one stdout and one stderr.' },
  log_date_format: { none: 'corral\'s log lines carry their own time; --log-format json gives machine-readable timestamps.' },
  log_type: { none: 'choose --log-format text or json.' },
  pid_file: { none: 'corral writes no pid file; systemd tracks the master itself (Type=notify, MAINPID), see docs/deploy.md.' },
  min_uptime: { none: 'corral backs off restarts of a crashing worker by itself, and stops when workers fail to boot at startup; there is nothing to tune.' },
  max_restarts: { none: 'corral backs off restarts of a crashing worker by itself; there is no restart budget.' },
  restart_delay: { none: 'corral backs off restarts of a crashing worker by itself.' },
  exp_backoff_restart_delay: { none: 'corral backs off restarts of a crashing worker by itself.' },
  autorestart: { none: 'corral always replaces a worker that exits; a process that should not be restarted is not a corral worker.' },
  cron_restart: { none: 'recycle workers on a schedule with maxWorkerLifetime (and its jitter), or send SIGHUP from a timer for a graceful reload.' },
  shutdown_with_message: { none: 'corral tells its workers to drain over its own IPC channel.' },
  stop_exit_codes: { none: 'corral replaces every worker that exits on its own.' },
  source_map_support: { none: 'set NODE_OPTIONS=--enable-source-maps in the environment corral starts in.' },
  increment_var: { none: 'corral has no per-worker variable to increment; each worker has its id as ctx.workerId.' },
  filter_env: { none: 'corral passes its whole environment to the workers.' },
  append_env_to_name: { none: 'corral does not name its processes.' },
  namespace: { none: 'corral does not group processes into namespaces; one corral serves one app.' },
  vizion: { none: 'PM2\'s version-control metadata has no place in corral.' },
  post_update: { none: 'PM2\'s deploy steps are not corral\'s; run them in your deploy script, then SIGHUP corral.' },
  force: { none: 'one corral serves one app, so there is nothing to force.' },
  treekill: { none: 'corral stops its workers itself (SIGTERM drains, SIGQUIT stops at once).' },
  autostart: { none: 'corral starts its workers when it starts; enable or disable the systemd unit instead.' },
  disable_logs: { none: 'set --access-log off (the default) and --log-level.' },
  time: { none: 'corral\'s log lines carry their own time.' },
  user: { none: 'corral does not switch users; set User= in its systemd unit.' },
  uid: { none: 'corral does not switch users; set User= in its systemd unit.' },
  gid: { none: 'corral does not switch groups; set Group= in its systemd unit.' },
  interpreter: { none: 'corral runs the app in Node itself (a .ts app through its TypeScript loader).' },

  exec_mode: { builtin: 'corral always runs a master and worker processes sharing the sockets, as PM2\'s cluster mode.' },
  wait_ready: { builtin: 'corral waits for each worker to be ready before counting it (and rolling on during a reload); an app that needs time exports `ready()` instead of calling process.send("ready").' },
  instance_var: { builtin: 'each worker knows its number as ctx.workerId in a handler.' },
}

const settingOfEnv = new Map<string, SettingName>()
for (const s of settingList) for (const e of s.env) settingOfEnv.set(e, s.name as SettingName)

export function translatePm2(app: Pm2App, from: string): Plan {
  const plan: Plan = { from, lines: [], env: [], notes: [] }
  const origin = (name: string): Origin => ({ text: app.fields.get(name)!.text, line: app.fields.get(name)!.line })
  const mode = app.fields.get('exec_mode')?.expr
  const forkMode = mode?.k === 'const' && mode.v === 'fork'

  for (const [name, field] of app.fields) {
    const o = origin(name)
    if (name === 'env') { environment(field.expr, o, plan); continue }
    if (name.startsWith('env_')) {
      const keys = field.expr.k === 'dict' ? field.expr.entries.map(([k]) => k).join(', ') : 'its variables'
      plan.lines.push({ kind: 'none', origin: { text: `${name}: { ${keys} }`, line: field.line }, why: `PM2 picks this block with --env ${name.slice(4)}; corral has no named environments: set ${keys} in that environment's service (systemd Environment=, the container's env).` })
      continue
    }
    if (name === 'exec_mode' && forkMode) {
      if (!app.fields.has('instances')) plan.lines.push({ kind: 'setting', setting: 'workers', ts: '1', origin: o, why: 'fork mode runs one process; corral always runs a master and workers, so one worker is the nearest. An I/O-bound app can serve more: try `corral doctor`.' })
      else plan.lines.push({ kind: 'builtin', origin: o, why: 'corral always runs a master and worker processes; instances is the worker count.' })
      continue
    }
    const rule = RULES[name]
    if (!rule) { plan.lines.push({ kind: 'none', origin: o, why: 'not a PM2 app setting corral knows.' }); continue }
    if ('none' in rule) {
      if (name === 'interpreter' && field.expr.k === 'const' && typeof field.expr.v === 'string' && !/node|bun|none/i.test(field.expr.v)) {
        plan.lines.push({ kind: 'none', origin: o, why: `the app runs under ${field.expr.v}, not Node: corral serves Node apps only.` })
      } else plan.lines.push({ kind: 'none', origin: o, why: rule.none })
      continue
    }
    if ('builtin' in rule) { plan.lines.push({ kind: 'builtin', origin: o, why: rule.builtin }); continue }
    plan.lines.push(translateSetting(rule.to, field.expr, o, { convert: rule.convert, why: rule.why, workerClass: 'async' }))
  }
  return plan
}

/** env: { NODE_ENV: 'production', PORT: 3000 }: corral's own variables become settings, the rest process.env. */
function environment(e: Expr, origin: Origin, plan: Plan) {
  if (e.k !== 'dict') {
    plan.lines.push({ kind: 'none', origin, why: 'env is computed here, so it is not translated: set these variables in the environment corral starts in.' })
    return
  }
  for (const [name, value] of e.entries) {
    const setting = settingOfEnv.get(name)
    const o = { text: `env.${name}: ${toTs(value)}`, line: origin.line }
    if (setting) plan.lines.push(translateSetting(setting, value, o, { why: `corral reads ${name} from the environment before this file, so it is set here as its setting.` }))
    else plan.env.push({ name, ts: value.k === 'const' && typeof value.v !== 'string' ? quote(String(value.v)) : toTs(value.k === 'const' ? value : { k: 'call', fn: 'String', args: [value] }), origin: o })
  }
}
