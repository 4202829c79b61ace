/**
 * --listen-after-boot: a host behind a balancer refuses connections while its workers boot (the
 * balancer sends them to another host), instead of queueing them for the whole boot. Without it
 * a connection made during the boot waits in the listen queue and is served once a worker is up.
 * Issue 14, part 2 (found in the rolling deploy: a restarted host held nginx's requests for its boot).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, runCli, startCorral } from '../support/corral.js'
import { DATABASE_URL, needService } from '../support/services.js'

/** Connects and sends one GET: `connected` once the connection is made, `answer` the answer's first line or the error's code. */
function send(port: number): { connected: Promise<void>; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1')
  const connected = once(socket, 'connect').then(() => undefined)
  connected.catch(() => {})
  const answer = new Promise<string>((resolve) => {
    let got = ''
    socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
    socket.on('data', (d) => { got += d })
    socket.on('end', () => resolve(got.split('\r\n')[0]))
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
  return { connected, answer }
}
const get = (port: number) => send(port).answer

const gateFile = () => join(mkdtempSync(join(tmpdir(), 'gated-boot-')), 'open')

describe('--listen-after-boot', () => {
  it('refuses connections while the workers boot, then serves', async (t) => {
    const gate = gateFile()
    const server = await startCorral(t, fixture('gated-boot.ts'), { args: ['--workers', '1', '--listen-after-boot', '--boot-timeout', '120s'], env: { BOOT_GATE: gate }, noWait: true })
    await server.waitFor(/Booting worker 1/, 60_000)
    assert.equal(await get(server.port), 'ECONNREFUSED', 'nothing listens while the worker boots')
    writeFileSync(gate, '')
    await server.waitFor(/Listening at: http:\/\/127\.0\.0\.1:\d+/, 120_000)
    assert.equal(await get(server.port), 'HTTP/1.1 200 OK')
    assert.equal((await server.stop()).code, 0)
  })

  it('without it, a connection made during the boot waits and is served once a worker is up', async (t) => {
    const gate = gateFile()
    const server = await startCorral(t, fixture('gated-boot.ts'), { args: ['--workers', '1', '--boot-timeout', '120s'], env: { BOOT_GATE: gate }, noWait: true })
    await server.waitFor(/Booting worker 1/, 60_000)
    const { connected, answer } = send(server.port)
    await connected
    assert.doesNotMatch(server.output(), /Listening at/, 'connected while the worker was still booting')
    writeFileSync(gate, '')
    assert.equal(await answer, 'HTTP/1.1 200 OK')
    assert.equal((await server.stop()).code, 0)
  })

  it('answers a connection the master accepted while it was still booting, before any worker was asked for', { timeout: 60_000 }, async (t) => {
    if (!(await needService(t, 'postgres'))) return
    // The master listens before it opens its database, and its dispatcher attaches after: hold the
    // master's database connection at a relay until a client's request has connected, so the
    // request provably arrives inside that gap (it used to be held open and never answered).
    const db = new URL(DATABASE_URL)
    const parked: (() => void)[] = []
    let open = false
    const relay = createServer((master) => {
      const pipe = () => {
        const upstream = connect(Number(db.port || 5432), db.hostname)
        master.on('error', () => upstream.destroy()).pipe(upstream).on('error', () => master.destroy()).pipe(master)
      }
      if (open) pipe(); else parked.push(pipe)
    })
    relay.listen(0, '127.0.0.1')
    await once(relay, 'listening')
    t.after(() => relay.close())
    const via = new URL(DATABASE_URL)
    via.host = `127.0.0.1:${(relay.address() as { port: number }).port}`
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'], env: { DATABASE_URL: via.href }, noWait: true })
    while (parked.length === 0) await once(relay, 'connection')
    const { connected, answer } = send(server.port)
    await connected
    assert.doesNotMatch(server.output(), /Booting worker/, 'the request connected while the master waited for its database')
    open = true
    for (const pipe of parked.splice(0)) pipe()
    assert.equal(await answer, 'HTTP/1.1 200 OK')
    assert.equal((await server.stop()).code, 0)
  })

  it('stops the booted workers and names the address when the bind then fails', async () => {
    const gate = gateFile()
    writeFileSync(gate, '')
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const port = (taken.address() as { port: number }).port
    try {
      const r = await runCli(['serve', fixture('gated-boot.ts'), '--bind', `127.0.0.1:${port}`, '--listen-after-boot', '--workers', '1',
        '--admin-bind', 'off', '--control-socket', 'off', '--boot-timeout', '120s'], { env: { BOOT_GATE: gate, CORRAL_LOG_LEVEL: 'info' }, timeoutMs: 120_000 })
      assert.notEqual(r.code, 0)
      const out = r.stdout + r.stderr
      assert.match(out, /Booting worker 1/, 'the bind came after the boot')
      assert.match(out, new RegExp(`CORRAL_ERR_BIND[^\\n]*127\\.0\\.0\\.1:${port}`))
      assert.doesNotMatch(out, /Listening at/)
    } finally {
      taken.close()
    }
  })
})
