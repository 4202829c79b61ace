/**
 * --proxy-protocol behind Debian's HAProxy (send-proxy and send-proxy-v2): the client's address
 * reaches ctx.clientIp and the access log; the header is believed only from --proxy-allow-from.
 * Clients connect from 127.0.0.2, HAProxy from 127.0.0.1, so the two addresses differ. Issue 14, part 7.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, freePort, startCorral } from '../support/corral.js'
import { needTool } from '../support/tools.js'

async function haproxy(t: TestContext, backendPort: number, mode: 'send-proxy' | 'send-proxy-v2'): Promise<number> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'))
  const cfg = join(dir, 'haproxy.cfg')
  writeFileSync(cfg, [
    'global', '  maxconn 256',
    'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s',
    'frontend web', `  bind 127.0.0.1:${port}`, '  default_backend app',
    'backend app', `  server corral 127.0.0.1:${backendPort} ${mode}`,
  ].join('\n') + '\n')
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  t.after(() => { child.kill('SIGKILL') })
  // Ready once it accepts; HAProxy prints nothing on success in -db mode.
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', function (this: import('node:net').Socket) { this.destroy(); resolve(true) }).once('error', () => resolve(false)))
    if (ok) return port
    if (child.exitCode !== null || i > 200) throw new Error(`haproxy did not start: ${out}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

function get(port: number, path: string, localAddress = '127.0.0.2'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, localAddress, agent: false }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    }).on('error', reject).end()
  })
}

/** Raw bytes to the server from `localAddress`; resolves with everything it answered. */
function raw(port: number, bytes: string | Buffer, localAddress = '127.0.0.2'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    let out = ''
    socket.on('data', (d) => { out += d })
    socket.on('close', () => resolve(out))
    socket.on('error', reject)
    socket.write(bytes)
  })
}

describe('PROXY protocol', () => {
  for (const mode of ['send-proxy', 'send-proxy-v2'] as const) {
    it(`takes the client's address from HAProxy's ${mode === 'send-proxy' ? 'v1' : 'v2'} header, into ctx.clientIp and the access log`, async (t) => {
      if (!needTool(t, 'haproxy')) return
      const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--proxy-protocol', '--access-log', '-'] })
      const port = await haproxy(t, server.port, mode)
      for (let i = 0; i < 3; i++) {
        const res = await get(port, '/ctx')
        assert.equal(res.status, 200)
        assert.equal(JSON.parse(res.body).clientIp, '127.0.0.2')
      }
      await server.waitFor(/127\.0\.0\.2 .*"GET \/ctx HTTP\/1\.1" 200/)
    })
  }

  it('reads no header from peers outside --proxy-allow-from: a forged one is a bad request, and the address stays the peer', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--proxy-protocol', '--proxy-allow-from', '127.0.0.1'] })
    const forged = await raw(server.port, 'PROXY TCP4 6.6.6.6 127.0.0.1 4444 80\r\nGET /ctx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.match(forged, /^HTTP\/1\.1 400/)
    assert.doesNotMatch(forged, /6\.6\.6\.6/)
    const plain = await get(server.port, '/ctx')
    assert.equal(JSON.parse(plain.body).clientIp, '127.0.0.2')
  })

  it('requires the header from a trusted peer: without one, or a malformed one, the connection gets 400 and the worker serves on', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--proxy-protocol', '--proxy-allow-from', '127.0.0.0/8'] })
    assert.match(await raw(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request[\s\S]*bad PROXY protocol/)
    assert.match(await raw(server.port, 'PROXY TCP4 999.1.1.1 127.0.0.1 1 2\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400/)
    assert.match(await raw(server.port, Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x21, 0x11, 0xff, 0xff])])), /^HTTP\/1\.1 400/)
    // A header split across packets, and a v2 LOCAL header (a balancer's own health check), both work.
    const split = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.2' })
      let out = ''
      socket.on('data', (d) => { out += d })
      socket.on('close', () => resolve(out))
      socket.on('error', reject)
      socket.write('PROXY TCP6 2001:db8::1 ')
      setTimeout(() => socket.write('::1 5555 80\r\nGET /ctx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 50)
    })
    assert.equal(JSON.parse(split.slice(split.indexOf('\r\n\r\n') + 4)).clientIp, '2001:db8::1')
    const local = Buffer.concat([Buffer.from('0d0a0d0a000d0a515549540a', 'hex'), Buffer.from([0x20, 0x00, 0x00, 0x00])])
    const health = await raw(server.port, Buffer.concat([local, Buffer.from('GET /ctx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]))
    assert.equal(JSON.parse(health.slice(health.indexOf('\r\n\r\n') + 4)).clientIp, '127.0.0.2', 'LOCAL names no client: the peer is used')
    assert.equal((await get(server.port, '/pid', '127.0.0.1')).status, 400, 'a plain request from a trusted peer is refused')
    assert.doesNotMatch(server.output(), /died|uncaught/, 'the worker served on')
  })

  it('reads the header too where each worker accepts for itself (--balance shared)', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--balance', 'shared', '--proxy-protocol'] })
    const answer = await raw(server.port, 'PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\nGET /ctx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '127.0.0.1')
    assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).clientIp, '203.0.113.7')
    assert.equal((await server.stop()).code, 0)
  })

  it('refuses a --proxy-allow-from that is not an address or range, naming the setting', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--proxy-protocol', '--proxy-allow-from', '10.0.0.0/33'], noWait: true })
    const { code } = await server.exited
    assert.equal(code, 2)
    assert.match(server.output(), /setting proxyAllowFrom: expected a comma-separated list of IP addresses or CIDR ranges \(10\.0\.0\.0\/8\), or "\*", received "10\.0\.0\.0\/33"/)
  })
})
