/**
 * ctx.signal and gather()'s per-call signals are LightSignals (src/io/light-signal.ts). Whatever an
 * app does with an AbortSignal must work the same with one: the same suite runs against a native
 * AbortController's signal and a LightSignal, including handing it to fetch, undici and Node's APIs.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { describe, it, after, before } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { inspect } from 'node:util'
import { request } from 'undici'
import { LightSignal, watchAbort, unwatchAbort } from '../../src/io/light-signal.js'

type Make = () => { signal: AbortSignal; abort: (reason?: unknown) => void }

const kinds: [string, Make][] = [
  ['a native AbortSignal', () => { const c = new AbortController(); return { signal: c.signal, abort: (r) => c.abort(r) } }],
  ['a LightSignal', () => { const s = new LightSignal(); return { signal: s as AbortSignal, abort: (r) => LightSignal.abort(s, r) } }],
]

// A server that never answers; each request it gets is handed to the test waiting for it.
let server: Server
let origin: string
const waiting: ((req: IncomingMessage) => void)[] = []
before(async () => {
  server = createServer((req) => waiting.shift()?.(req))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
after(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)) })
const nextRequest = () => new Promise<IncomingMessage>((resolve) => waiting.push(resolve))

for (const [name, make] of kinds) {
  describe(`${name} behaves as an AbortSignal`, () => {
    it('is an AbortSignal and an EventTarget, and says so', () => {
      const { signal } = make()
      assert.ok(signal instanceof AbortSignal)
      assert.ok(signal instanceof EventTarget)
      assert.equal(Object.prototype.toString.call(signal), '[object AbortSignal]')
      assert.match(inspect(signal), /aborted: false/)
    })

    it('reports aborted and the reason, and throwIfAborted throws the reason', () => {
      const { signal, abort } = make()
      assert.equal(signal.aborted, false)
      assert.equal(signal.reason, undefined)
      signal.throwIfAborted()
      const reason = new Error('gone')
      abort(reason)
      assert.equal(signal.aborted, true)
      assert.equal(signal.reason, reason)
      assert.throws(() => signal.throwIfAborted(), (e) => e === reason)
    })

    it('gives an AbortError DOMException as the reason when aborted without one', () => {
      const { signal, abort } = make()
      abort()
      assert.ok(signal.reason instanceof DOMException)
      assert.equal((signal.reason as DOMException).name, 'AbortError')
    })

    it('fires abort listeners and onabort once, with the signal as target, and not after removal', () => {
      const { signal, abort } = make()
      const seen: string[] = []
      const removed = () => seen.push('removed')
      signal.addEventListener('abort', (e) => { seen.push(`listener:${e.type}:${e.target === signal}`) })
      signal.addEventListener('abort', removed)
      signal.removeEventListener('abort', removed)
      signal.onabort = () => { seen.push('onabort') }
      abort(new Error('x'))
      abort(new Error('again'))
      assert.deepEqual(seen, ['listener:abort:true', 'onabort'])
    })

    it('keeps EventTarget\'s listener rules: order with onabort, once, dedupe, capture, handleEvent', () => {
      const { signal, abort } = make()
      const seen: string[] = []
      const first = () => seen.push('first')
      const twice = () => seen.push('twice')
      const captured = () => seen.push('captured')
      signal.addEventListener('abort', first, { once: true })
      signal.addEventListener('abort', twice)
      signal.addEventListener('abort', twice)
      signal.onabort = () => { seen.push('onabort') }
      signal.addEventListener('abort', captured, true)
      signal.addEventListener('abort', captured, false)
      signal.removeEventListener('abort', captured, true)
      signal.addEventListener('abort', { handleEvent: (e: Event) => seen.push(`object:${e.type}`) })
      signal.addEventListener('abort', () => seen.push('late'), { signal: AbortSignal.abort() })
      abort()
      signal.dispatchEvent(new Event('abort'))
      // The second dispatch (by hand) runs every listener but the once one.
      assert.deepEqual(seen, ['first', 'twice', 'onabort', 'captured', 'object:abort', 'twice', 'onabort', 'captured', 'object:abort'])
    })

    it('keeps the order of the rest when a listener is removed from the middle, by its capture flag as added', () => {
      const { signal, abort } = make()
      const seen: string[] = []
      const named = (name: string) => () => seen.push(name)
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(named)
      const options = { capture: true }
      signal.addEventListener('abort', a)
      signal.addEventListener('abort', b)
      signal.addEventListener('abort', b, options)
      signal.addEventListener('abort', c)
      // EventTarget keys a listener by the capture it had when added, not by what its options say later.
      options.capture = false
      signal.removeEventListener('abort', b)
      signal.addEventListener('abort', d)
      // (As an object: Node 20's EventTarget takes a bare `true` here to mean any capture.)
      signal.removeEventListener('abort', a, { capture: true })
      abort()
      assert.deepEqual(seen, ['a', 'b', 'c', 'd'])
    })

    it('fires listeners added before onabort in order when onabort is set first', () => {
      const { signal, abort } = make()
      const seen: string[] = []
      signal.onabort = () => { seen.push('onabort') }
      signal.addEventListener('abort', () => seen.push('listener'))
      signal.onabort = () => { seen.push('onabort, replaced') }
      abort()
      assert.deepEqual(seen, ['onabort, replaced', 'listener'])
    })

    it('stops a listener whose own signal aborts, and one removed before the abort', () => {
      const { signal, abort } = make()
      const seen: string[] = []
      const stop = new AbortController()
      signal.addEventListener('abort', () => seen.push('stopped'), { signal: stop.signal })
      const removed = () => seen.push('removed')
      signal.addEventListener('abort', removed, { once: true })
      signal.addEventListener('abort', () => seen.push('kept'))
      signal.removeEventListener('abort', removed)
      stop.abort()
      abort()
      assert.deepEqual(seen, ['kept'])
    })

    it('lets stopImmediatePropagation in a listener skip the rest', () => {
      const { signal, abort } = make()
      const seen: string[] = []
      signal.addEventListener('abort', (e) => { seen.push('first'); e.stopImmediatePropagation() })
      signal.addEventListener('abort', () => seen.push('second'))
      abort()
      assert.deepEqual(seen, ['first'])
    })

    it('does not call a listener added after it aborted', () => {
      const { signal, abort } = make()
      abort()
      let called = false
      signal.addEventListener('abort', () => { called = true })
      abort()
      assert.equal(called, false)
    })

    it('aborts AbortSignal.any() of it and another signal, with its reason', () => {
      const { signal, abort } = make()
      const other = new AbortController()
      const any = AbortSignal.any([signal, other.signal])
      assert.equal(any.aborted, false)
      const reason = new Error('first')
      abort(reason)
      assert.equal(any.aborted, true)
      assert.equal(any.reason, reason)
    })

    it('stops timers/promises setTimeout and events.once', async () => {
      const { signal, abort } = make()
      const reason = new Error('stop')
      const sleeping = sleep(10_000, undefined, { signal })
      const waiting = once(new EventTarget(), 'never', { signal })
      abort(reason)
      await assert.rejects(sleeping, (e: Error) => e.name === 'AbortError')
      await assert.rejects(waiting, (e: Error) => e.name === 'AbortError')
    })

    it('cancels a fetch in flight, and the server sees the connection close', async () => {
      const { signal, abort } = make()
      const arrived = nextRequest()
      const pending = fetch(`${origin}/hang`, { signal })
      const req = await arrived
      const gone = once(req.socket, 'close')
      abort(new Error('deadline'))
      await assert.rejects(pending, (e: Error) => e.message === 'deadline')
      await gone
    })

    it('cancels an undici request in flight', async () => {
      const { signal, abort } = make()
      const arrived = nextRequest()
      const pending = request(`${origin}/hang`, { signal })
      const req = await arrived
      const gone = once(req.socket, 'close')
      abort(new Error('deadline'))
      await assert.rejects(pending, (e: Error) => e.message === 'deadline')
      await gone
    })
  })
}

describe('watching a signal the cheap way', () => {
  it('calls each watcher once on abort, never after unwatch, and works on native signals too', () => {
    for (const [, make] of kinds) {
      const { signal, abort } = make()
      const seen: string[] = []
      const a = () => seen.push('a')
      const b = () => seen.push('b')
      const c = () => seen.push('c')
      watchAbort(signal, a)
      watchAbort(signal, b)
      watchAbort(signal, c)
      unwatchAbort(signal, b)
      abort()
      abort()
      assert.deepEqual(seen, ['a', 'c'])
    }
  })
})
