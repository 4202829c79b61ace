/**
 * `corral deploy nginx`: the generated config passes Debian's `nginx -t`, and a real nginx run with
 * it resends idempotent requests to the next host and never a POST. Issue 14, part 8.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, freePort, runCli, startCorral } from '../support/corral.js'
import { needTool } from '../support/tools.js'

const nginxTest = (dir: string, conf: string) => spawnSync('nginx', ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' })

async function startNginx(t: TestContext, dir: string, conf: string, port: number): Promise<void> {
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  // SIGTERM: nginx's master stops its worker processes too (they hold this test's pipes).
  t.after(async () => {
    if (child.exitCode === null) { child.kill('SIGTERM'); await once(child, 'exit') }
    child.stdout.destroy()
    child.stderr.destroy()
  })
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', function (this: import('node:net').Socket) { this.destroy(); resolve(true) }).once('error', () => resolve(false)))
    if (ok) return
    if (child.exitCode !== null || i > 400) throw new Error(`nginx did not start: ${out}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('corral deploy nginx', () => {
  it('writes a config that nginx -t accepts, as a conf.d file and standalone, from the settings', async (t) => {
    if (!needTool(t, 'nginx')) return
    const dir = mkdtempSync(join(tmpdir(), 'nginx-'))
    const standalone = join(dir, 'nginx.conf')
    const r = await runCli(['deploy', 'nginx', '--standalone', '--listen', '127.0.0.1:18080', '--upstream', '127.0.0.1:8001', '--upstream', '127.0.0.1:8002', '--out', standalone, '--keepalive', '5', '--request-timeout', '20', '--graceful-timeout', '25'])
    assert.equal(r.code, 0, r.stderr)
    const text = readFileSync(standalone, 'utf8')
    assert.match(text, /least_conn;/)
    assert.match(text, /server 127\.0\.0\.1:8001 max_fails=3 fail_timeout=10s;/)
    assert.match(text, /keepalive_timeout 4s;/, 'nginx drops an idle upstream connection before corral does (--keepalive 5)')
    assert.match(text, /proxy_read_timeout 25s;/, 'past corral\'s own deadline (--request-timeout 20), so corral answers 504 first')
    assert.match(text, /proxy_next_upstream error timeout http_502 http_503 http_504;/)
    assert.doesNotMatch(text, /proxy_next_upstream [^;]*non_idempotent/)
    const checked = nginxTest(dir, standalone)
    assert.equal(checked.status, 0, checked.stderr)
    assert.match(checked.stderr, /syntax is ok/)

    const site = await runCli(['deploy', 'nginx'])
    assert.equal(site.code, 0, site.stderr)
    assert.match(site.stdout, /server 127\.0\.0\.1:8000 /, 'the upstream is this config\'s HOST:PORT')
    const wrapped = join(dir, 'wrapped.conf')
    writeFileSync(wrapped, `pid wrapped.pid;\nerror_log error.log;\nevents {}\nhttp {\naccess_log off;\n${site.stdout.replace('listen 80;', 'listen 127.0.0.1:18081;')}}\n`)
    const ok = nginxTest(dir, wrapped)
    assert.equal(ok.status, 0, ok.stderr)

    const bad = await runCli(['deploy', 'nginx', '--upstream', 'nowhere'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /CORRAL_ERR_USAGE: --upstream: expected host:port, received "nowhere"/)
  })

  it('behind a real nginx: a GET that fails on one host is answered by the next, a POST is never sent twice', async (t) => {
    if (!needTool(t, 'nginx')) return
    const good = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--access-log', '-'] })
    // A host that takes each request and dies before answering (its connection is cut).
    const seen: string[] = []
    const broken = createServer((socket) => {
      let buf = ''
      socket.on('data', (d) => {
        buf += d
        const line = buf.split('\r\n')[0]
        if (buf.includes('\r\n\r\n')) { seen.push(line); socket.destroy() }
      })
      socket.on('error', () => {})
    }).listen(0, '127.0.0.1')
    await once(broken, 'listening')
    t.after(() => { broken.close() })
    const brokenPort = (broken.address() as { port: number }).port

    const dir = mkdtempSync(join(tmpdir(), 'nginx-'))
    const conf = join(dir, 'nginx.conf')
    const port = await freePort()
    const r = await runCli(['deploy', 'nginx', '--standalone', '--listen', `127.0.0.1:${port}`, '--upstream', `127.0.0.1:${brokenPort}`, '--upstream', `127.0.0.1:${good.port}`, '--max-fails', '1000', '--out', conf])
    assert.equal(r.code, 0, r.stderr)
    await startNginx(t, dir, conf, port)

    const results: { method: string; id: number; status: number }[] = []
    // One method at a time: nginx takes the hosts in turn, so each run sends some to each host.
    for (const method of ['GET', 'POST']) {
      for (let id = 0; id < 8; id++) {
        const res = await fetch(`http://127.0.0.1:${port}/echo?id=${method}${id}`, { method, body: method === 'POST' ? 'order' : undefined })
        await res.arrayBuffer()
        results.push({ method, id, status: res.status })
      }
    }
    await new Promise((r) => setTimeout(r, 200))
    const toBroken = (m: string, id: number) => seen.includes(`${m} /echo?id=${m}${id} HTTP/1.1`)
    const toGood = (m: string, id: number) => new RegExp(`"${m} /echo\\?id=${m}${id} HTTP/1\\.1"`).test(good.output())
    for (const { method, id, status } of results) {
      if (method === 'GET') {
        assert.equal(status, 200, `GET ${id} is answered`)
        assert.ok(toGood('GET', id))
      } else if (toBroken('POST', id)) {
        assert.equal(status, 502, `POST ${id} reached the broken host and was not resent`)
        assert.ok(!toGood('POST', id), `POST ${id} was not sent to a second host`)
      } else {
        assert.equal(status, 200)
      }
    }
    assert.ok(results.some((r) => r.method === 'GET' && toBroken('GET', r.id)), 'some GET went to the broken host first and was resent')
    assert.ok(results.some((r) => r.method === 'POST' && toBroken('POST', r.id)), 'some POST went to the broken host')
  })
})
