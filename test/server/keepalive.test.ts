import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, nodeLines, startCorral } from '../support/corral.js'

/** A raw keep-alive connection: send one request at a time, read whole responses, see when the server closes. */
async function open(url: string) {
  const { hostname, port } = new URL(url)
  const socket: Socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  let buffered = ''
  let closedAt: number | undefined
  const waiters: (() => void)[] = []
  socket.setEncoding('latin1')
  socket.on('data', (d: string) => { buffered += d; waiters.splice(0).forEach((w) => w()) })
  socket.on('close', () => { closedAt = Date.now(); waiters.splice(0).forEach((w) => w()) })
  socket.on('error', () => {})
  return {
    get closedAt() { return closedAt },
    /** One GET; resolves with the head and body once the whole response (Content-Length) is in. */
    async get(path: string): Promise<{ head: string; body: string }> {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`)
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n')
        if (end >= 0) {
          const head = buffered.slice(0, end)
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
          if (buffered.length >= end + 4 + length) {
            const body = buffered.slice(end + 4, end + 4 + length)
            buffered = buffered.slice(end + 4 + length)
            return { head, body }
          }
        }
        if (closedAt !== undefined) throw new Error(`the server closed the connection while ${path} was in flight`)
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    },
    /** When the server closed the connection, or undefined if it is still open after `withinMs`. */
    async closed(withinMs: number): Promise<number | undefined> {
      const timer = setTimeout(() => waiters.splice(0).forEach((w) => w()), withinMs)
      const deadline = Date.now() + withinMs
      while (closedAt === undefined && Date.now() < deadline) await new Promise<void>((resolve) => waiters.push(resolve))
      clearTimeout(timer)
      return closedAt
    },
    destroy: () => socket.destroy(),
  }
}

// corral turns Node's own keep-alive timer off and sweeps idle connections itself (keepalive.ts),
// reading node:http's state as it goes: so every supported Node line is checked.
const runtimes = [
  { name: `this Node (${process.version})`, node: undefined, skip: false as string | false },
  ...nodeLines,
]

for (const runtime of runtimes) {
  describe(`keep-alive (--keepalive) on ${runtime.name}`, { skip: runtime.skip }, () => {
    const start = (t: TestContext) =>
      startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--keepalive', '1'], node: runtime.node })

    it('tells the client its keep-alive time and closes an idle connection once it has passed, not before', async (t) => {
      const server = await start(t)
      const conn = await open(server.url)
      const { head } = await conn.get('/')
      const answeredAt = Date.now()
      assert.match(head, /^HTTP\/1\.1 200/)
      assert.match(head, /\r\nKeep-Alive: timeout=1(\r\n|$)/i)
      const closedAt = await conn.closed(5000)
      assert.ok(closedAt !== undefined, 'the idle connection was still open 5 s later')
      const idle = closedAt - answeredAt
      assert.ok(idle >= 950, `closed after ${idle} ms of idleness; --keepalive is 1 s`)
      assert.ok(idle < 5000, `closed after ${idle} ms of idleness; expected soon after 1 s`)
    })

    it('keeps a connection that brings a request before its keep-alive time runs out, and never cuts a request in flight', async (t) => {
      const server = await start(t)
      const conn = await open(server.url)
      // Six requests 600 ms apart: three seconds on one connection whose idle limit is one second.
      for (let i = 0; i < 6; i++) {
        assert.match((await conn.get('/')).head, /^HTTP\/1\.1 200/)
        await sleep(600)
      }
      // A request that runs for 2.5 s, more than twice the keep-alive time, on the same connection.
      const slow = await conn.get('/slow?ms=2500')
      assert.equal(slow.body, 'slept 2500')
      assert.equal(conn.closedAt, undefined, 'the connection is still open')
      conn.destroy()
    })
  })
}
