import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { gather, values, degraded } from '../../src/io/fanout.js'

/** Resolves with `value` after `ms`, or rejects with the signal's reason the moment it aborts. */
function slow<T>(ms: number, value: T, seen?: { aborted?: unknown }) {
  return (signal: AbortSignal) => new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve(value), ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      if (seen) seen.aborted = signal.reason
      reject(signal.reason)
    }, { once: true })
  })
}

describe('gather', () => {
  it('returns each call\'s value when all succeed, running them concurrently', async () => {
    let running = 0
    let most = 0
    const tracked = <T>(value: T) => async () => {
      most = Math.max(most, ++running)
      await sleep(20)
      running--
      return value
    }
    const out = await gather(undefined, { a: { run: tracked(1) }, b: { run: tracked('two') }, c: { run: tracked([3]) } })
    assert.deepEqual(out.a, { ok: true, value: 1 })
    assert.deepEqual(out.b, { ok: true, value: 'two' })
    assert.deepEqual(out.c, { ok: true, value: [3] })
    assert.equal(most, 3, 'all three were in flight at once')
    assert.deepEqual(degraded(out), [])
  })

  it('aborts a call that passes its timeout and uses its fallback', async () => {
    const seen: { aborted?: unknown } = {}
    const out = await gather(undefined, {
      fast: { run: slow(5, 'ok') },
      late: { run: slow(5_000, 'never', seen), timeoutMs: 30, fallback: () => 'default' },
    })
    assert.deepEqual(out.fast, { ok: true, value: 'ok' })
    assert.equal(out.late.ok, false)
    assert.ok(!out.late.ok && out.late.fallback)
    assert.equal(out.late.value, 'default')
    assert.equal((out.late.error as { code: string }).code, 'CORRAL_ERR_CALL_TIMEOUT')
    assert.equal((seen.aborted as { code: string }).code, 'CORRAL_ERR_CALL_TIMEOUT', 'the losing call saw its signal abort')
    assert.deepEqual(degraded(out), ['late'])
  })

  it('reports the error without a value when a failing call has no fallback', async () => {
    const boom = new Error('boom')
    const out = await gather(undefined, { bad: { run: async () => { throw boom } } })
    assert.deepEqual(out.bad, { ok: false, fallback: false, error: boom })
    assert.deepEqual(values(out), { bad: undefined })
  })

  it('passes the error to the fallback', async () => {
    const out = await gather(undefined, {
      price: { run: async (): Promise<number> => { throw new Error('price service down') }, fallback: (err) => (err as Error).message.length },
    })
    assert.deepEqual(values(out), { price: 18 })
  })

  it('does not wait for a call that ignores its signal once its timeout passes', async () => {
    const out = await gather(undefined, {
      stubborn: { run: () => sleep(5_000, 'late', { ref: false }), timeoutMs: 20, fallback: () => 'fallback' },
    })
    assert.deepEqual(values(out), { stubborn: 'fallback' })
  })

  it('aborts every call in flight when the parent deadline passes', async () => {
    const parent = new AbortController()
    const deadline = Object.assign(new Error('request passed its deadline'), { code: 'CORRAL_ERR_DEADLINE' })
    setTimeout(() => parent.abort(deadline), 30)
    const seenA: { aborted?: unknown } = {}
    const seenB: { aborted?: unknown } = {}
    const out = await gather(parent.signal, {
      a: { run: slow(5_000, 1, seenA), timeoutMs: 10_000, fallback: () => 0 },
      b: { run: slow(5_000, 2, seenB) },
      c: { run: slow(1, 3) },
    })
    assert.equal(seenA.aborted, deadline)
    assert.equal(seenB.aborted, deadline)
    assert.deepEqual(values(out), { a: 0, b: undefined, c: 3 })
    assert.deepEqual(degraded(out), ['a', 'b'])
  })

  it('starts no call when the parent is already aborted, and still answers with fallbacks', async () => {
    const parent = new AbortController()
    parent.abort(new Error('gone'))
    let ran = false
    const out = await gather(parent.signal, { a: { run: async () => { ran = true; return 1 }, fallback: () => -1 } })
    assert.equal(ran, false)
    assert.deepEqual(values(out), { a: -1 })
  })

  it('reports both errors when the fallback throws too', async () => {
    const out = await gather(undefined, {
      a: { run: async () => { throw new Error('first') }, fallback: () => { throw new Error('second') } },
    })
    assert.ok(!out.a.ok && !out.a.fallback)
    assert.ok(out.a.error instanceof AggregateError)
    assert.deepEqual((out.a.error as AggregateError).errors.map((e: Error) => e.message), ['first', 'second'])
  })

  it('times out on injected timers without sleeping', async () => {
    const pending: (() => void)[] = []
    const timers = { setTimeout: (fn: () => void) => { pending.push(fn); return pending.length }, clearTimeout: () => {} }
    const result = gather(undefined, { a: { run: (s) => slow(60_000, 1)(s), timeoutMs: 60_000, fallback: () => 2 } }, { timers })
    await sleep(1)
    pending.forEach((fire) => fire())
    assert.deepEqual(values(await result), { a: 2 })
  })
})
