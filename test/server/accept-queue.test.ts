/**
 * src/net/listen-queue.ts's acceptQueueOn: the connections in the kernel's accept queue of a
 * listening port, read from the head of /proc/net/tcp (the overload benches report it per level:
 * where wrk's p99 is far above the server's own, the first requests waited there). The
 * listener is a real one in another process whose event loop is blocked, so the connections made to
 * it stay in its queue: the handshake is the kernel's, accepting them is the process's.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { acceptQueueOn } from '../../src/net/listen-queue.js'

const CONNECTIONS = 5

// Listens, prints its port, then blocks its loop until its stdin closes or 30 s pass (a bound, not a wait
// the test relies on), so nothing it is sent is accepted before the test has looked.
const BLOCKED_LISTENER = `
const server = require('node:net').createServer()
server.listen(0, '127.0.0.1', () => {
  require('node:fs').writeSync(1, server.address().port + '\\n')
  const end = Date.now() + 30000
  const b = Buffer.alloc(1)
  while (Date.now() < end) { try { if (require('node:fs').readSync(0, b, 0, 1, null) === 0) break } catch { break } }
  process.exit(0)
})`

describe('acceptQueueOn (the kernel accept queue of a port)', { skip: process.platform !== 'linux' && 'reads /proc/net/tcp: Linux only' }, () => {
  it('counts the connections no process has accepted yet, on that port only', async (t) => {
    const child = spawn(process.execPath, ['-e', BLOCKED_LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] })
    t.after(() => child.kill('SIGKILL'))
    const [line] = await once(child.stdout!, 'data') as [Buffer]
    const port = Number(String(line).trim())
    assert.ok(port > 0, String(line))
    assert.equal(acceptQueueOn(new Set([port])), 0, 'nothing queued before any connection')
    const sockets: Socket[] = []
    t.after(() => { for (const s of sockets) s.destroy() })
    for (let i = 0; i < CONNECTIONS; i++) {
      const socket = connect(port, '127.0.0.1')
      // Reset when the listener exits with them still queued: expected, and not what is tested.
      socket.on('error', () => {})
      sockets.push(socket)
      await once(socket, 'connect')
    }
    // Each connect completed: the kernel finished its handshake and queued it before it answered.
    assert.equal(acceptQueueOn(new Set([port])), CONNECTIONS)
    assert.equal(acceptQueueOn(new Set([port + 1 === 65536 ? port - 1 : port + 1])), 0, 'another port counts none of them')
    child.stdin!.end()
    await once(child, 'exit')
    assert.equal(acceptQueueOn(new Set([port])), 0, 'gone with its listener')
  })
})
