/**
 * `corral migrate`: Gunicorn and PM2 configs in, a corral.config.ts out that corral itself loads.
 * The fixtures carry the settings the seeds use (seed 000's I/O-bound and shop configs and its
 * memory guards, seed 002's threads and gevent setups) plus the ways real configs compute values.
 * Each translation is checked by loading the written file with `corral print-config`, so a value
 * that reads well but does not load fails here.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, ROOT, runCli } from '../support/corral.js'
import { cpuCount } from '../../src/index.js'
import { readPython } from '../../src/migrate/python.js'
import { migrate } from '../../src/migrate/migrate.js'

// The written configs are loaded as in a clean shell: corral's env would win over them.
delete process.env.PORT
delete process.env.WEB_CONCURRENCY

/** A folder whose node_modules/corral is this checkout, so a written config's `import 'corral'` resolves. */
function workdir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'corral-migrate-'))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'corral'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function translate(t: { after(fn: () => void): void }, file: string, extra: string[] = []) {
  const dir = workdir(t)
  const out = join(dir, 'corral.config.ts')
  const r = await runCli(['migrate', fixture(`migrate/${file}`), '--out', out, ...extra])
  assert.equal(r.code, 0, r.stderr)
  const raw = readFileSync(out, 'utf8')
  // Comments wrap at 100 columns: `text` reads each as one line (quoted Python, indented, stays apart).
  const text = raw.replace(/\n[ \t]*\/\/ (?! )/g, ' ')
  return { dir, out, raw, text, stdout: r.stdout }
}

/** What corral makes of the written file: each setting's value as print-config shows it, and where it came from. */
async function loaded(dir: string, out: string, env: Record<string, string> = {}) {
  const r = await runCli(['print-config', '--explain', '--config', out], { cwd: dir, env })
  assert.equal(r.code, 0, `corral could not load the written config:\n${r.stderr}\n${readFileSync(out, 'utf8')}`)
  const values: Record<string, { value: string; source: string }> = {}
  for (const line of r.stdout.split('\n')) {
    const m = /^(\w+)\s+= (.*?)\s+# (.*)$/.exec(line)
    if (m) values[m[1]] = { value: m[2], source: m[3] }
  }
  return { values, workers: /# workers resolve to (\d+)/.exec(r.stdout)?.[1] }
}

describe('corral migrate from gunicorn.conf.py', () => {
  it('translates seed 000\'s I/O-bound config into a config corral loads, with the same values', async (t) => {
    const { dir, out, text, raw } = await translate(t, 'io-bound.gunicorn.conf.py')
    const { values, workers } = await loaded(dir, out)
    const fromFile = (name: string) => assert.match(values[name].source, /^file /, `${name} should come from the file`)
    assert.equal(values.workerClass.value, 'async')
    assert.equal(values.workers.value, 'auto')
    assert.equal(workers, String(cpuCount()))
    assert.equal(values.workerConnections.value, '1000')
    assert.equal(values.workerTimeout.value, '2m')
    assert.equal(values.gracefulTimeout.value, '30s')
    assert.equal(values.keepalive.value, '20s')
    assert.equal(values.maxRequests.value, '2000')
    assert.equal(values.maxRequestsJitter.value, '200')
    assert.equal(values.bind.value, '0.0.0.0:8000')
    assert.equal(values.accessLog.value, '/var/log/gunicorn/access.log')
    assert.equal(values.accessLogFormat.value, '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s')
    for (const name of ['workers', 'workerClass', 'workerTimeout', 'keepalive', 'bind', 'errorLog', 'logLevel']) fromFile(name)
    // The settings with no equivalent are said, with why, where they stood.
    assert.match(text, /preload_app = True \(line 18\): no equivalent in corral\. Gunicorn imports the app in the master/)
    assert.match(text, /worker_tmp_dir = "\/dev\/shm" \(line 19\): no equivalent in corral\. [^\n]*IPC channel/)
    // timeout means something else in corral: the comment says so.
    assert.match(text, /timeout = 120 \(line 11\): Gunicorn kills a worker that is silent this long/)
    assert.match(text, /set requestTimeout\s+(\/\/ )?too/)
    // Hooks are quoted for a person to port, never left as live code that does nothing.
    assert.match(text, /HOOK: def post_fork\(server, worker\) \(line 27\) is corral's postFork\(worker\)/)
    assert.match(raw, /\/\/   db\.connections\.close_all\(\)\n(.*\n)*?\s*\/\/ postFork\(worker\) \{/)
    assert.doesNotMatch(raw, /^\s*postFork\(/m)
  })

  it('translates seed 000\'s shop config: warning is corral\'s warn, eight workers stay eight', async (t) => {
    const { dir, out, raw } = await translate(t, 'ecommerce.gunicorn.conf.py')
    const { values, workers } = await loaded(dir, out)
    assert.equal(values.logLevel.value, 'warn')
    assert.equal(values.workers.value, '8')
    assert.equal(workers, '8')
    assert.equal(values.maxRequests.value, '3000')
    assert.match(raw, /HOOK: def post_fork/)
    assert.match(raw, /\/\/   try:\n\s*\/\/       cache\.get\("health_check"\)/)
  })

  it('makes (2 x cpu_count()) + 1 sync workers corral\'s "auto", which is the same formula for the sync class', async (t) => {
    const { dir, out, text } = await translate(t, 'sync-memory.gunicorn.conf.py')
    const { values, workers } = await loaded(dir, out)
    assert.equal(values.workerClass.value, 'sync')
    assert.equal(values.workers.value, 'auto')
    assert.equal(workers, String(2 * cpuCount() + 1))
    assert.match(text, /HOOK: def pre_request\(worker, req\) \(line 11\) is corral's preRequest\(worker, req\)/)
    assert.match(text, /HOOK: def post_request\(worker, req, environ, resp\) \(line 18\) is corral's postRequest\(worker, req, res\)/)
  })

  it('runs seed 002\'s workers x threads as the threads class, as Gunicorn switches to gthread when threads > 1', async (t) => {
    const { dir, out } = await translate(t, 'threads.gunicorn.conf.py')
    const { values } = await loaded(dir, out)
    assert.equal(values.workerClass.value, 'threads')
    assert.equal(values.threads.value, '3')
    assert.equal(values.workers.value, '3')
    assert.equal(values.keepalive.value, '5s')
    assert.equal(values.bind.value, '127.0.0.1:8001, unix:/run/app.sock')
  })

  it('translates computed values where it can and FLAGS what only running Python could tell', async (t) => {
    const { dir, out, text, raw } = await translate(t, 'computed.gunicorn.conf.py')
    // PORT read from the environment stays a read of the environment, at corral's load.
    const a = await loaded(dir, out, { PORT: '9123' })
    assert.equal(a.values.bind.value, '0.0.0.0:9123')
    const b = await loaded(dir, out)
    assert.equal(b.values.bind.value, '0.0.0.0:8000')
    // WEB_CONCURRENCY is read by corral itself; the file keeps the formula, with the container's CPUs.
    assert.equal(b.values.workers.value, String(cpuCount() * 2 + 1))
    assert.equal((await loaded(dir, out, { WEB_CONCURRENCY: '3' })).values.workers.value, '3')
    assert.match(text, /workers: cpuCount\(\) \* 2 \+ 1,/)
    assert.match(text, /threads: Math\.max\(2, Math\.floor\(cpuCount\(\) \/ 2\)\),/)
    assert.equal(b.values.workerClass.value, 'async')
    // What needs Python is flagged, with the reason, and left commented out.
    assert.match(text, /FLAGGED: timeout = pick_timeout\(\) \(line 20\): the value calls pick_timeout\(\), a function of the\s+(\/\/ )?file \(line 16\)/)
    assert.match(raw, /\/\/ workerTimeout: '30s',/)
    assert.match(text, /FLAGGED: loglevel = "debug" \(line 23\): the value is set inside "if os\.getenv\("DEBUG"\):"/)
    assert.match(text, /FLAGGED: max_requests = -5 \(line 29\): corral's maxRequests must be an integer >= 0/)
    assert.equal(b.values.workerTimeout.source, 'default')
    // raw_env reaches the environment; settings with no equivalent say why.
    assert.match(text, /^process\.env\.DJANGO_SETTINGS_MODULE = 'shop\.settings'/m)
    assert.match(text, /statsd_host = "localhost:8125" \(line 27\): no equivalent in corral\. corral exposes Prometheus/)
    assert.match(text, /print\("loaded gunicorn config"\)\) runs code when Gunicorn loads the file/)
  })

  it('never runs the Python it reads', async (t) => {
    const dir = workdir(t)
    const marker = join(dir, 'ran')
    const conf = join(dir, 'gunicorn.conf.py')
    writeFileSync(conf, `import os\nos.system("touch ${marker}")\nworkers = int(open("${marker}").read() or 2)\n`)
    const r = await runCli(['migrate', conf, '--out', '-'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(existsSync(marker), false)
    assert.match(r.stdout, /FLAGGED: workers = int\(open\(/)
  })

  it('stops at a Python syntax error, naming the line', async (t) => {
    const dir = workdir(t)
    const conf = join(dir, 'gunicorn.conf.py')
    writeFileSync(conf, 'workers = 4\ntimeout = \nbind = "x"\n')
    const r = await runCli(['migrate', conf, '--out', '-'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /CORRAL_ERR_MIGRATE: cannot translate the Python file: syntax error at line 2/)
  })
})

describe('corral migrate from a PM2 ecosystem file', () => {
  it('translates a cluster-mode app into settings corral loads: instances, memory, timeouts, env', async (t) => {
    const { dir, out, text } = await translate(t, 'ecosystem.config.js', ['--app', 'api'])
    const { values } = await loaded(dir, out)
    assert.equal(values.workers.value, 'auto')
    assert.equal(values.maxWorkerMemory.value, '300mb')
    assert.equal(values.gracefulTimeout.value, '5s')
    assert.equal(values.bootTimeout.value, '8s')
    assert.equal(values.port.value, '3000')
    assert.equal(values.databaseUrl.value, 'postgres://shop@127.0.0.1:5432/shop')
    assert.equal(values.errorLog.value, './logs/api-error.log')
    assert.match(text, /^process\.env\.NODE_ENV = 'development'/m)
    assert.match(text, /exec_mode: 'cluster' \(line 11\): nothing to set\./)
    assert.match(text, /cron_restart: '0 3 \* \* \*' \(line 18\): no equivalent in corral\. recycle workers on a schedule/)
    assert.match(text, /env_production: \{ NODE_ENV \} \(line 27\): no equivalent in corral\. PM2 picks this block with\s+(\/\/ )?--env production/)
    assert.match(text, /Not translated: deploy/)
  })

  it('turns os.cpus().length - 1 into the container\'s CPU count less one', async (t) => {
    const { dir, out, text } = await translate(t, 'ecosystem.config.js', ['--app', 'jobs'])
    assert.match(text, /workers: cpuCount\(\) - 1,/)
    if (cpuCount() > 1) assert.equal((await loaded(dir, out)).values.workers.value, String(cpuCount() - 1))
  })

  it('asks which app to translate when the file has several', async () => {
    const r = await runCli(['migrate', fixture('migrate/ecosystem.config.js'), '--out', '-'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /CORRAL_ERR_MIGRATE: cannot translate ecosystem\.config\.js: it has 2 apps \(api, jobs\); one corral serves one app: choose one with --app NAME/)
  })

  it('never runs the JavaScript it reads', async (t) => {
    const dir = workdir(t)
    const marker = join(dir, 'ran')
    const file = join(dir, 'ecosystem.config.js')
    writeFileSync(file, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')\nmodule.exports = { apps: [{ name: 'a', script: 'a.js', instances: require('fs').readFileSync('/etc/hostname').length }] }\n`)
    const r = await runCli(['migrate', file, '--out', '-'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(existsSync(marker), false)
    assert.match(r.stdout, /FLAGGED: instances: require\('fs'\)/)
  })
})

describe('corral migrate writes its file with care', () => {
  it('does not overwrite an existing file unless --force', async (t) => {
    const dir = workdir(t)
    const out = join(dir, 'corral.config.ts')
    writeFileSync(out, 'keep me')
    const refused = await runCli(['migrate', fixture('migrate/threads.gunicorn.conf.py'), '--out', out])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /exists; pass --force/)
    assert.equal(readFileSync(out, 'utf8'), 'keep me')
    const forced = await runCli(['migrate', fixture('migrate/threads.gunicorn.conf.py'), '--out', out, '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, /wrote .*corral\.config\.ts from .*: 6 values translated/)
  })
})

/**
 * Gunicorn's own list of settings (from the installed Debian gunicorn, run by the system Python)
 * and the seeds, the articles users know: every setting must get a translation or a reason. CI has
 * both (python3-gunicorn and ../shared/seeds); elsewhere a missing one skips with the reason.
 */
const PYTHON = '/usr/bin/python3'
function gunicorn(script: string): unknown {
  const r = spawnSync(PYTHON, ['-c', `import json, gunicorn.config as c\n${script}`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return JSON.parse(r.stdout)
}
const noGunicorn = spawnSync(PYTHON, ['-c', 'import gunicorn'], { encoding: 'utf8' }).status === 0 ? false : `no Gunicorn for ${PYTHON} (Debian's python3-gunicorn)`

/** A config that sets each name: hooks as functions, the rest as a number. */
const everyName = (names: [string, boolean][]) => names.map(([n, hook]) => (hook ? `def ${n}(*args):\n    pass\n` : `${n} = 1\n`)).join('')
const saidOf = (conf: string) => new Set(migrate('gunicorn.conf.py', conf).plan.lines.map((l) => /^(?:def )?(\w+)/.exec(l.origin.text)?.[1]))

describe('every Gunicorn setting gets a translation or a reason', () => {
  it('covers each setting Gunicorn itself knows', { skip: noGunicorn }, () => {
    const known = gunicorn('print(json.dumps([[s.name, bool(callable(s.default))] for s in c.KNOWN_SETTINGS]))') as [string, boolean][]
    assert.ok(known.length > 80, `Gunicorn listed ${known.length} settings`)
    const said = saidOf(everyName(known))
    const silent = known.map(([n]) => n).filter((n) => !said.has(n))
    assert.deepEqual(silent, [], `Gunicorn settings with neither a translation nor a reason: ${silent.join(', ')}`)
  })

  const seeds = join(ROOT, '..', 'shared', 'seeds')
  it('covers each Gunicorn setting the seeds use, in their files and on their command lines', { skip: noGunicorn || (existsSync(seeds) ? false : `no seeds at ${seeds}`) }, () => {
    const known = new Map(gunicorn('print(json.dumps([[s.name, bool(callable(s.default))] for s in c.KNOWN_SETTINGS]))') as [string, boolean][])
    const used = new Set<string>()
    for (const file of readdirSync(seeds)) {
      const text = readFileSync(join(seeds, file), 'utf8')
      for (const m of text.matchAll(/^\s*(?:def )?([a-z_]+)\s*[=(]/gm)) if (known.has(m[1])) used.add(m[1])
      for (const m of text.matchAll(/gunicorn\s+([^\n]*)/g)) for (const f of m[1].matchAll(/--([a-z-]+)/g)) {
        const name = f[1].replace(/-/g, '_').replace(/^keep_alive$/, 'keepalive')
        if (known.has(name)) used.add(name)
      }
    }
    for (const expected of ['bind', 'workers', 'worker_class', 'worker_connections', 'threads', 'timeout', 'keepalive', 'max_requests', 'preload_app', 'post_fork', 'pre_request']) {
      assert.ok(used.has(expected), `expected the seeds to use ${expected}; found ${[...used].join(', ')}`)
    }
    const said = saidOf(everyName([...used].map((n) => [n, known.get(n)!])))
    assert.deepEqual([...used].filter((n) => !said.has(n)), [])
  })

  it('reads each fixture as Gunicorn does: the same workers, threads, timeouts, limits and addresses', { skip: noGunicorn }, async (t) => {
    for (const file of ['io-bound.gunicorn.conf.py', 'ecommerce.gunicorn.conf.py', 'threads.gunicorn.conf.py', 'sync-memory.gunicorn.conf.py']) {
      // Gunicorn's own reading of the file (Application.load_config_from_file does the same: run it, keep the settings).
      const g = gunicorn(`import runpy, multiprocessing
cfg = c.Config()
for k, v in runpy.run_path(${JSON.stringify(fixture(`migrate/${file}`))}).items():
    if k in cfg.settings and not callable(v): cfg.set(k, v)
print(json.dumps({"workers": cfg.workers, "threads": cfg.threads, "timeout": cfg.timeout, "graceful": cfg.graceful_timeout,
  "keepalive": cfg.keepalive, "max_requests": cfg.max_requests, "connections": cfg.worker_connections, "bind": cfg.bind,
  "cls": cfg.worker_class.__name__, "cpus": multiprocessing.cpu_count()}))`) as Record<string, any>
      const { dir, out } = await translate(t, file)
      const { values, workers } = await loaded(dir, out)
      const seconds = (shown: string) => { const m = /^(\d+)(ms|s|m|h)$/.exec(shown)!; return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms']! }
      if (g.cpus === cpuCount()) assert.equal(Number(workers), g.workers, `${file}: workers`)
      assert.equal(seconds(values.workerTimeout.value), g.timeout, `${file}: timeout`)
      assert.equal(seconds(values.gracefulTimeout.value), g.graceful, `${file}: graceful_timeout`)
      if (values.keepalive.source !== 'default') assert.equal(seconds(values.keepalive.value), g.keepalive, `${file}: keepalive`)
      assert.equal(Number(values.maxRequests.value), g.max_requests, `${file}: max_requests`)
      assert.equal(Number(values.workerConnections.value), g.connections, `${file}: worker_connections`)
      if (g.cls === 'ThreadWorker') assert.equal(Number(values.threads.value), g.threads, `${file}: threads`)
      const classes: Record<string, string> = { SyncWorker: 'sync', ThreadWorker: 'threads', UvicornWorker: 'async' }
      assert.equal(values.workerClass.value, classes[g.cls], `${file}: ${g.cls}`)
      if (values.bind.source !== 'default') assert.equal(values.bind.value, (g.bind as string[]).join(', '), `${file}: bind`)
      // A default that differs and that the file leaves unset is said, not silently changed.
      if (values.keepalive.source === 'default') assert.match(readFileSync(out, 'utf8').replace(/\n\/\/ /g, ' '), /Gunicorn's default differs from corral's: .*keepalive \(Gunicorn 2 s; corral 5 s\)/)
    }
  })
})
