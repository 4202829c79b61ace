/**
 * Gunicorn's settings, each with its corral equivalent or the reason there is none. The table
 * covers every setting of Gunicorn 23 (docs.gunicorn.org, "Settings"); a name not in it is a
 * variable of the file, which Gunicorn ignores too.
 */
import type { HookName } from '../config/hooks.js'
import type { SettingName } from '../config/settings/index.js'
import { constant, quote, type Expr } from './expr.js'
import { translateSetting, type Conversion } from './translate.js'
import { finalAssignments, type Line, type Plan, type ReadFile } from './source.js'

type WorkerClass = 'async' | 'sync' | 'threads'

interface Context { workerClass: WorkerClass | undefined }

type Rule =
  | { to: SettingName; convert?: (e: Expr, c: Context) => Conversion; why?: string | ((c: Context) => string | undefined) }
  | { none: string }
  | { hook: HookName | undefined; signature: string; why: string }

const same: (why?: string) => Pick<Extract<Rule, { to: SettingName }>, 'why'> = (why) => ({ why })

/** Gunicorn's worker classes by the names its docs and users give them. */
export function workerClassOf(name: string): { to: WorkerClass; why: string } | undefined {
  const n = name.toLowerCase()
  if (n === 'sync' || n.endsWith('syncworker') || n === 'egg:gunicorn#sync') {
    return { to: 'sync', why: 'one request at a time per worker, the rest wait: Gunicorn\'s sync worker.' }
  }
  if (n === 'gthread' || n.endsWith('threadworker') || n === 'egg:gunicorn#gthread') {
    return { to: 'threads', why: 'handlers run on --threads worker threads in each process, like gthread. corral runs Web-standard fetch handlers there; an Express or Fastify app needs "async" or "sync".' }
  }
  if (n.includes('uvicorn')) {
    return { to: 'async', why: 'Uvicorn\'s worker runs an asyncio event loop per process; corral\'s async worker is Node\'s event loop, serving up to --worker-connections requests at once per process.' }
  }
  if (/gevent|eventlet|tornado|gaiohttp/.test(n)) {
    return { to: 'async', why: `${name}'s workers wait on many requests' I/O at once; corral's async worker does the same with Node's event loop, with nothing to monkey-patch.` }
  }
  return undefined
}

const onePerCpu = 'one worker per CPU'

const RULES: Record<string, Rule> = {
  bind: { to: 'bind', convert: (e) => ({ expr: e.k === 'list' ? e : { k: 'list', items: [e] } }) },
  backlog: { to: 'backlog' },
  workers: {
    to: 'workers',
    why: (c) => c.workerClass === 'sync' ? undefined : `corral's "auto" is ${onePerCpu} for the ${c.workerClass ?? 'async'} worker class.`,
  },
  worker_class: {
    to: 'workerClass',
    convert: (e) => {
      if (e.k !== 'const' || typeof e.v !== 'string') return { flagged: 'the worker class is computed; set it by hand ("async", "sync" or "threads")' }
      const known = workerClassOf(e.v)
      return known ? { expr: constant(known.to), why: known.why } : { flagged: `${JSON.stringify(e.v)} is a worker class corral does not know; corral has "async", "sync" and "threads"` }
    },
  },
  threads: {
    to: 'threads',
    why: (c) => c.workerClass === 'threads' ? 'threads per worker process for the threads worker class (gthread\'s setting).'
      : `corral uses threads only with the threads worker class (as Gunicorn only with gthread); with ${c.workerClass ?? 'this'} workers it has no effect.`,
  },
  worker_connections: { to: 'workerConnections', ...same('the most requests one async worker handles at once; past it corral answers 503 with Retry-After at once.') },
  max_requests: { to: 'maxRequests' },
  max_requests_jitter: { to: 'maxRequestsJitter' },
  timeout: {
    to: 'workerTimeout',
    why: (c) => 'Gunicorn kills a worker that is silent this long' + (c.workerClass === 'sync' || c.workerClass === 'threads'
      ? ', which for its sync and gthread workers also bounds each request. '
      : '. ') + 'corral\'s workerTimeout watches only the heartbeat of the worker\'s event loop: a request waiting on I/O never trips it. ' +
      'For a deadline per request (504, and ctx.signal aborted), set requestTimeout too.',
  },
  graceful_timeout: { to: 'gracefulTimeout' },
  keepalive: { to: 'keepalive' },
  limit_request_line: { to: 'limitRequestLine' },
  limit_request_fields: { to: 'limitRequestFields' },
  limit_request_field_size: { to: 'limitRequestFieldSize' },
  reuse_port: {
    to: 'balance',
    convert: (e) => e.k === 'const' && e.v === true
      ? { expr: constant('reuseport'), why: 'each worker binds its own SO_REUSEPORT socket (Node >= 22.12 on Linux); corral\'s "auto" already picks it where it can.' }
      : e.k === 'const' ? { skip: 'reuse_port off is corral\'s default on Node < 22.12; "auto" picks the fastest available.' } : { flagged: 'computed; set balance by hand' },
  },
  accesslog: { to: 'accessLog' },
  access_log_format: { to: 'accessLogFormat', ...same('corral\'s access log takes Gunicorn\'s atoms (docs/logging.md).') },
  errorlog: { to: 'errorLog' },
  loglevel: {
    to: 'logLevel',
    convert: (e) => {
      const levels: Record<string, string> = { debug: 'debug', info: 'info', warning: 'warn', warn: 'warn', error: 'error', critical: 'fatal' }
      if (e.k !== 'const' || typeof e.v !== 'string') return { expr: e }
      const to = levels[e.v.toLowerCase()]
      return to ? { expr: constant(to) } : { flagged: `${JSON.stringify(e.v)} is not a Gunicorn log level` }
    },
  },
  forwarded_allow_ips: { to: 'forwardedAllowIps' },
  proxy_protocol: { to: 'proxyProtocol' },
  proxy_allow_ips: { to: 'proxyAllowFrom' },

  config: { none: 'it names Gunicorn\'s config file; corral reads ./corral.config.ts by itself, or the file given with --config.' },
  wsgi_app: { none: 'it names the Python app. corral serves a TypeScript module: give it as `corral serve app.ts` or set `app` here.' },
  preload_app: { none: 'Gunicorn imports the app in the master and forks, so workers share its memory pages. A Node worker cannot inherit a loaded module (V8 heaps are not forked), so each corral worker loads the app itself; what preloading checked at startup, corral checks by refusing to start when the first workers fail to boot.' },
  worker_tmp_dir: { none: 'Gunicorn\'s workers beat by touching a file there (hence /dev/shm); corral\'s workers beat over the IPC channel, with no file.' },
  daemon: { none: 'corral stays in the foreground; run it under systemd, a container or another supervisor (docs/deploy.md).' },
  pidfile: { none: 'corral writes no pid file; systemd tracks the master itself (Type=notify, MAINPID), see docs/deploy.md.' },
  user: { none: 'corral does not switch users; set User= in its systemd unit, or the user of the container.' },
  group: { none: 'corral does not switch groups; set Group= in its systemd unit, or the group of the container.' },
  umask: { none: 'set UMask= in the systemd unit, or `umask` in the script that starts corral.' },
  initgroups: { none: 'corral does not switch users (see user).' },
  chdir: { none: 'start corral in that directory (WorkingDirectory= in systemd).' },
  reload: { to: 'reload', why: 'for development: corral watches the files the workers loaded and the config, and rolls the workers onto the new code (docs/reload.md). In production, SIGHUP (or `corral ctl reload`) after a deploy.' },
  reload_engine: { none: 'corral watches with the OS\'s own file events (inotify on Linux, through fs.watch); there is no engine to choose.' },
  reload_extra_files: { to: 'reloadExtraFiles' },
  spew: { none: 'no equivalent; use `node --inspect` or `--cpu-prof` on a worker for tracing.' },
  check_config: { none: 'run `corral check app.ts` instead.' },
  print_config: { none: 'run `corral print-config --explain` instead.' },
  sendfile: { none: 'Node decides how it writes response bodies; there is no switch.' },
  tmp_upload_dir: { none: 'Gunicorn itself never used it; request bodies reach a corral app as streams.' },
  secure_scheme_headers: { none: 'corral takes X-Forwarded-Proto (and X-Forwarded-For) only from forwardedAllowIps peers, and has no list of other scheme headers.' },
  forwarder_headers: { none: 'corral takes X-Forwarded-* only from forwardedAllowIps peers; there is no list of headers to configure.' },
  disable_redirect_access_to_syslog: { none: 'corral does not write to syslog (see syslog).' },
  capture_output: { none: 'the workers\' stdout and stderr already go to corral\'s.' },
  logger_class: { none: 'corral logs with pino; its format is --log-format text or json.' },
  logconfig: { none: 'corral logs with pino; choose --log-level, --log-format and --error-log.' },
  logconfig_dict: { none: 'corral logs with pino; choose --log-level, --log-format and --error-log.' },
  logconfig_json: { none: 'corral logs with pino; choose --log-level, --log-format and --error-log.' },
  syslog: { none: 'corral logs to stderr or a file; under systemd, journald collects stderr (and forwards to syslog if configured).' },
  syslog_addr: { none: 'see syslog.' },
  syslog_prefix: { none: 'see syslog.' },
  syslog_facility: { none: 'see syslog.' },
  enable_stdio_inheritance: { none: 'corral\'s workers always inherit the master\'s stdout and stderr.' },
  statsd_host: { none: 'corral exposes Prometheus metrics, aggregated over the workers, at /metrics on the admin port (docs/operations.md); it sends no StatsD.' },
  statsd_prefix: { none: 'see statsd_host: metrics are Prometheus series prefixed corral_.' },
  dogstatsd_tags: { none: 'see statsd_host.' },
  proc_name: { none: 'corral does not rename its processes.' },
  default_proc_name: { none: 'corral does not rename its processes.' },
  pythonpath: { none: 'Python only; Node resolves modules from node_modules.' },
  paste: { none: 'Python only (PasteDeploy).' },
  raw_paste_global_conf: { none: 'Python only (PasteDeploy).' },
  strip_header_spaces: { none: 'corral parses requests strictly and rejects such headers; there is no switch.' },
  permit_obsolete_folding: { none: 'corral parses requests strictly and rejects folded headers; there is no switch.' },
  permit_unconventional_http_method: { none: 'corral has no switch for this; Node\'s parser decides which methods are valid.' },
  permit_unconventional_http_version: { none: 'corral has no switch for this; Node\'s parser accepts HTTP/1.0 and 1.1.' },
  casefold_http_method: { none: 'corral has no switch for this.' },
  header_map: { none: 'corral passes header names as they are (lower-cased by Node), with nothing to map.' },
  tolerate_dangerous_framing: { none: 'corral refuses ambiguous framing (Content-Length with Transfer-Encoding); there is no switch.' },
  keyfile: { to: 'keyfile', ...same('with certfile, every listener speaks TLS (docs/tls.md).') },
  certfile: { to: 'certfile', ...same('with keyfile, every listener speaks TLS; corral reads it again at each reload (SIGHUP).') },
  ca_certs: { to: 'caCerts', ...same('client certificates signed by these authorities are accepted (mutual TLS).') },
  cert_reqs: {
    to: 'certReqs',
    convert: (e) => {
      // Python's ssl.CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED are 0, 1, 2.
      const named: Record<number, string> = { 0: 'none', 1: 'optional', 2: 'required' }
      return e.k === 'const' && typeof e.v === 'number' && named[e.v] ? { expr: constant(named[e.v]) } : { flagged: 'expected ssl.CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED (0, 1 or 2)' }
    },
  },
  ciphers: { to: 'ciphers' },
  ssl_version: { none: 'corral refuses TLS older than 1.2; the oldest version it accepts is tlsMinVersion ("TLSv1.2" or "TLSv1.3").' },
  suppress_ragged_eofs: { none: 'Node handles a TLS connection closed without close_notify by itself.' },
  do_handshake_on_connect: { none: 'Node does the TLS handshake when a connection is accepted; there is no switch.' },
  ssl_context: { none: 'a Python hook that builds the SSLContext; corral builds its TLS context from certfile, keyfile, caCerts, certReqs, tlsMinVersion and ciphers.' },
  worker_restart_delay: { none: 'corral backs off restarts of crashing workers by itself.' },

  on_starting: { hook: 'onStarting', signature: 'onStarting(server)', why: 'runs in the master before any worker starts.' },
  on_reload: { hook: 'onReload', signature: 'onReload(server)', why: 'runs in the master when a reload begins (SIGHUP).' },
  when_ready: { hook: 'whenReady', signature: 'whenReady(server)', why: 'runs in the master once the first workers are ready.' },
  pre_fork: { hook: 'preFork', signature: 'preFork(server, worker)', why: 'runs in the master before each worker is spawned.' },
  post_fork: { hook: 'postFork', signature: 'postFork(worker)', why: 'runs in each new worker before it loads the app (there is no `server` in a worker).' },
  post_worker_init: { hook: 'postWorkerInit', signature: 'postWorkerInit(worker)', why: 'runs in each worker once the app is loaded.' },
  worker_int: { hook: 'workerInt', signature: 'workerInt(worker)', why: 'runs in a worker told to stop at once.' },
  worker_abort: { hook: 'workerAbort', signature: 'workerAbort(worker)', why: 'runs in a worker that is being killed for a blocked event loop.' },
  pre_exec: { hook: undefined, signature: '', why: 'corral upgrades the master with SIGUSR2 by starting a new one that takes over the sockets; there is no hook before it (onStarting runs in the new master).' },
  pre_request: { hook: 'preRequest', signature: 'preRequest(worker, req)', why: 'runs in the worker before each request; req has id, method, url and headers.' },
  post_request: { hook: 'postRequest', signature: 'postRequest(worker, req, res)', why: 'runs in the worker after each response; res has status and durationMs (there is no WSGI environ).' },
  child_exit: { hook: 'childExit', signature: 'childExit(server, worker)', why: 'runs in the master after a worker exits; worker has code, signal and reason.' },
  worker_exit: { hook: 'workerExit', signature: 'workerExit(worker)', why: 'runs in the worker as it exits (corral runs it in the worker, not the master).' },
  nworkers_changed: { hook: 'nworkersChanged', signature: 'nworkersChanged(server, now, before)', why: 'runs in the master when the number of workers changes.' },
  on_exit: { hook: 'onExit', signature: 'onExit(server)', why: 'runs in the master just before it exits.' },
}

/** Gunicorn defaults that are not corral's, said when the file leaves them unset (worker_class is set for it instead). */
const DIFFERENT_DEFAULTS = [
  { name: 'workers', text: 'workers (Gunicorn runs 1; corral\'s "auto" runs one per CPU for async workers)' },
  { name: 'keepalive', text: 'keepalive (Gunicorn 2 s; corral 5 s)' },
  { name: 'threads', text: 'threads (Gunicorn 1; corral 2 for the threads class)' },
  { name: 'forwarded_allow_ips', text: 'forwarded_allow_ips (Gunicorn trusts 127.0.0.1; corral trusts 127.0.0.1 and ::1)' },
]

/** Gunicorn's own defaults that decide a translation: sync workers, one thread. */
function contextOf(values: Map<string, Expr>): Context {
  const cls = values.get('worker_class')
  const threads = values.get('threads')
  let workerClass: WorkerClass | undefined = cls?.k === 'const' && typeof cls.v === 'string' ? workerClassOf(cls.v)?.to : cls ? undefined : 'sync'
  // Gunicorn switches its sync worker to gthread when threads > 1.
  if (workerClass === 'sync' && threads?.k === 'const' && typeof threads.v === 'number' && threads.v > 1) workerClass = 'threads'
  return { workerClass }
}

export function translateGunicorn(read: ReadFile, from: string): Plan {
  const plan: Plan = { from, lines: [], env: [], notes: [] }
  const finals = finalAssignments(read)
  const values = new Map(finals.map((a) => [a.name, a.expr]))
  const context = contextOf(values)
  const others: string[] = []

  for (const a of finals) {
    const origin = { text: a.text, line: a.line }
    if (a.name === 'raw_env') {
      if (!envLines(a.expr, origin, plan)) plan.lines.push({ kind: 'none', origin, why: 'raw_env is computed here, so it is not translated: set these variables in the environment corral starts in.' })
      continue
    }
    const rule = RULES[a.name]
    if (!rule) {
      if (!read.functions.some((f) => f.name === a.name)) others.push(`${a.name} (line ${a.line})`)
      continue
    }
    if ('none' in rule) {
      plan.lines.push({ kind: 'none', origin, why: rule.none })
      continue
    }
    if (!('to' in rule)) {
      plan.lines.push({ kind: 'none', origin, why: `Gunicorn expects a function here (a hook), not a value${rule.hook ? `; corral's ${rule.signature} would be its equivalent` : ''}.` })
      continue
    }
    const why = typeof rule.why === 'function' ? rule.why(context) : rule.why
    plan.lines.push(translateSetting(rule.to, a.expr, origin, { convert: rule.convert ? (e) => rule.convert!(e, context) : undefined, why, workerClass: context.workerClass }))
    // Gunicorn's sync class with threads > 1 is gthread: corral needs the class said.
    if (a.name === 'threads' && context.workerClass === 'threads' && !values.has('worker_class')) {
      plan.lines.push({ kind: 'setting', setting: 'workerClass', ts: `'threads'`, origin, why: 'Gunicorn runs its sync worker as gthread when threads > 1; corral\'s equivalent is the threads worker class, which runs Web-standard fetch handlers.' })
    }
  }

  if (!values.has('worker_class') && context.workerClass === 'sync' && finals.some((a) => a.name === 'workers')) {
    plan.lines.unshift({ kind: 'setting', setting: 'workerClass', ts: `'sync'`, origin: { text: 'worker_class not set: Gunicorn\'s default is sync' }, why: 'corral\'s default is async; sync keeps Gunicorn\'s behaviour, one request at a time per worker. An I/O-bound app is better served by "async" (run `corral doctor`).' })
  }

  for (const f of read.functions) {
    const rule = RULES[f.name]
    const origin = { text: `def ${f.name}(${f.params.join(', ')})${f.condition ? ` inside ${f.condition}` : ''}`, line: f.line }
    if (rule && 'hook' in rule) {
      plan.lines.push(rule.hook
        ? { kind: 'hook', hook: rule.hook, signature: rule.signature, origin, body: f.body, why: `corral's ${rule.signature}: it ${rule.why}` }
        : { kind: 'none', origin, why: rule.why })
    } else if (rule) {
      plan.lines.push({ kind: 'none', origin, why: 'none' in rule ? rule.none : 'a function where Gunicorn expects a value' })
    } else if (!values.has(f.name)) {
      others.push(`${f.name}() (line ${f.line})`)
    }
  }
  const unset = DIFFERENT_DEFAULTS.filter((d) => !values.has(d.name) && (d.name !== 'threads' || context.workerClass === 'threads'))
  if (unset.length) plan.notes.push(`Not set in the file, and Gunicorn's default differs from corral's: ${unset.map((d) => d.text).join('; ')}. Set them above to keep Gunicorn's.`)
  if (others.length) plan.notes.push(`Names in the file that are not Gunicorn settings (Gunicorn ignores them too; any setting computed from them is translated above): ${others.join(', ')}.`)
  for (const n of read.notes) plan.notes.push(`Line ${n.line} (${n.text.trim().slice(0, 60)}) ${n.why}.`)
  return plan
}

/** raw_env = ["NAME=value", ...] */
function envLines(e: Expr, origin: Line['origin'], plan: Plan): boolean {
  if (e.k !== 'list') return false
  for (const item of e.items) {
    if (item.k !== 'const' || typeof item.v !== 'string' || !item.v.includes('=')) return false
  }
  for (const item of e.items) {
    const text = (item as { v: string }).v
    plan.env.push({ name: text.slice(0, text.indexOf('=')), ts: quote(text.slice(text.indexOf('=') + 1)), origin })
  }
  return true
}
