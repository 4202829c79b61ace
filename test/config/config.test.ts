import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../support/corral.js'

const dir = () => mkdtempSync(join(tmpdir(), 'corral-config-'))

describe('configuration', () => {
  it('stops on a bad value, naming the setting, the value, what is allowed and where it came from', async () => {
    const cli = await runCli(['print-config', '--workers', '-2'])
    assert.equal(cli.code, 2)
    assert.match(cli.stderr, /CORRAL_ERR_SETTING: setting workers: expected a positive integer or "auto", received "-2" \(from cli --workers\)/)

    const env = await runCli(['print-config'], { env: { CORRAL_KEEPALIVE: 'soon' } })
    assert.equal(env.code, 2)
    assert.match(env.stderr, /setting keepalive: expected seconds .* received "soon" \(from env CORRAL_KEEPALIVE\)/)

    const d = dir()
    writeFileSync(join(d, 'corral.config.ts'), `export default { workerClass: 'eventlet' }\n`)
    const file = await runCli(['print-config'], { cwd: d })
    assert.equal(file.code, 2)
    assert.match(file.stderr, /setting workerClass: expected "async", "sync" or "threads", received "eventlet" \(from file .*corral\.config\.ts\)/)
  })

  it('refuses unknown settings and flags', async () => {
    const flag = await runCli(['print-config', '--wrokers', '3'])
    assert.equal(flag.code, 2)
    assert.match(flag.stderr, /CORRAL_ERR_UNKNOWN_SETTING: unknown setting --wrokers in the command line/)
    const d = dir()
    writeFileSync(join(d, 'corral.config.ts'), `export default { wrokers: 3 }\n`)
    const file = await runCli(['print-config'], { cwd: d })
    assert.equal(file.code, 2)
    assert.match(file.stderr, /unknown setting "wrokers" in file/)
  })

  it('applies defaults < config file < env < CLI, and --explain names the source of each value', async () => {
    const d = dir()
    writeFileSync(join(d, 'corral.config.ts'), `
      import { defineConfig } from '${join(process.cwd(), 'src/index.ts')}'
      export default defineConfig({ workers: 3, keepalive: 7, backlog: 100, logLevel: 'debug', bind: ['127.0.0.1:9999'] })
    `)
    const r = await runCli(['print-config', '--explain', '--backlog', '300', '--bind', '127.0.0.1:7000', '--bind', 'unix:/tmp/x.sock'], { cwd: d, env: { CORRAL_KEEPALIVE: '8', CORRAL_BACKLOG: '200' } })
    assert.equal(r.code, 0, r.stderr)
    const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(name + ' '))!
    assert.match(line('workers'), /= 3 .*# file .*corral\.config\.ts/)
    assert.match(line('keepalive'), /= 8s .*# env CORRAL_KEEPALIVE/)
    assert.match(line('backlog'), /= 300 .*# cli --backlog/)
    assert.match(line('logLevel'), /= debug .*# file/)
    assert.match(line('bind'), /= 127\.0\.0\.1:7000, unix:\/tmp\/x\.sock .*# cli --bind/)
    assert.match(line('gracefulTimeout'), /= 30s .*# default/)
  })

  it('honours WEB_CONCURRENCY as Gunicorn does, below CORRAL_WORKERS', async () => {
    const web = await runCli(['print-config', '--explain'], { env: { WEB_CONCURRENCY: '5' } })
    assert.match(web.stdout, /workers\s+= 5 .*# env WEB_CONCURRENCY/)
    const both = await runCli(['print-config', '--explain'], { env: { WEB_CONCURRENCY: '5', CORRAL_WORKERS: '2' } })
    assert.match(both.stdout, /workers\s+= 2 .*# env CORRAL_WORKERS/)
  })

  it('honours PORT and HOST when no --bind is given', async () => {
    const r = await runCli(['print-config', '--explain'], { env: { PORT: '5050', HOST: '0.0.0.0' } })
    assert.match(r.stdout, /port\s+= 5050 .*# env PORT/)
    assert.match(r.stdout, /host\s+= 0\.0\.0\.0 .*# env HOST/)
  })

  it('check validates the config and loads the app without serving', async () => {
    const ok = await runCli(['check', 'test/fixtures/hono-app.ts'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /app: ok \(.*hono-app\.ts, a fetch app\)/)
    const bad = await runCli(['check', 'test/fixtures/missing-export.ts'])
    assert.equal(bad.code, 4)
    assert.match(bad.stderr, /CORRAL_ERR_APP_EXPORT/)
  })

  it('a config file that fails to import stops startup with CORRAL_ERR_CONFIG_LOAD and the file', async () => {
    const d = dir()
    writeFileSync(join(d, 'corral.config.ts'), `export default { workers: 2, \n`)
    const r = await runCli(['print-config'], { cwd: d })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /CORRAL_ERR_CONFIG_LOAD: cannot load config file .*corral\.config\.ts/)
  })
})
