import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { redisLocks } from '../../src/io/lock.js'
import { needService, REDIS_URL } from '../support/services.js'
import { privateRedis } from './private-redis.js'

const run = promisify(execFile)
const codeOf = (err: unknown) => (err as { code?: string }).code

async function setup(t: TestContext) {
  if (!(await needService(t, 'redis'))) return undefined
  const prefix = `corral-test:lock:${randomUUID()}:`
  const locks = redisLocks({ url: REDIS_URL, prefix })
  const redis = new Redis(REDIS_URL)
  t.after(async () => { await locks.close(); redis.disconnect() })
  return { locks, redis, prefix }
}

describe('withLock', () => {
  it('keeps processes out of each other\'s critical section: a racy counter ends exact', async (t) => {
    if (!(await needService(t, 'redis'))) return
    const id = randomUUID()
    const counterKey = `corral-test:counter:${id}`
    const redis = new Redis(REDIS_URL)
    t.after(async () => { await redis.del(counterKey); redis.disconnect() })
    const script = fileURLToPath(new URL('./fixtures/lock-incrementer.ts', import.meta.url))
    const processes = 4
    const times = 25
    const outputs = await Promise.all(Array.from({ length: processes }, () =>
      run(process.execPath, ['--import', 'tsx', script, REDIS_URL, `test:${id}`, counterKey, String(times)], { timeout: 60_000 })))
    const records = outputs.flatMap(({ stdout }) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { value: number; fence: number; pid: number }))
    assert.equal(new Set(records.map((r) => r.pid)).size, processes)
    assert.equal(Number(await redis.get(counterKey)), processes * times, 'no increment was lost')
    records.sort((a, b) => a.value - b.value)
    assert.deepEqual(records.map((r) => r.value), Array.from({ length: processes * times }, (_, i) => i + 1))
    for (let i = 1; i < records.length; i++) {
      assert.ok(records[i]!.fence > records[i - 1]!.fence, `fences increase with each holder (${records[i - 1]!.fence} then ${records[i]!.fence})`)
    }
  })

  it('gives each acquisition a larger fence than the last', async (t) => {
    const s = await setup(t); if (!s) return
    const fences: number[] = []
    for (let i = 0; i < 3; i++) await s.locks.withLock('k', 1000, ({ fence }) => { fences.push(fence) })
    assert.deepEqual(fences, [fences[0], fences[0]! + 1, fences[0]! + 2])
  })

  it('makes a second caller wait until the first releases', async (t) => {
    const s = await setup(t); if (!s) return
    const order: string[] = []
    await Promise.all([
      s.locks.withLock('k', 1000, async () => { order.push('a in'); await sleep(50); order.push('a out') }),
      sleep(5).then(() => s.locks.withLock('k', 1000, () => { order.push('b in') })),
    ])
    assert.deepEqual(order, ['a in', 'a out', 'b in'])
  })

  it('throws CORRAL_ERR_LOCK_TIMEOUT without running fn when the holder keeps it past waitMs', async (t) => {
    const s = await setup(t); if (!s) return
    let ran = false
    await s.locks.withLock('k', 1000, async () => {
      await assert.rejects(s.locks.withLock('k', 1000, () => { ran = true }, { waitMs: 50 }), (err) => codeOf(err) === 'CORRAL_ERR_LOCK_TIMEOUT')
    })
    assert.equal(ran, false)
  })

  it('releases the lock when fn throws', async (t) => {
    const s = await setup(t); if (!s) return
    await assert.rejects(s.locks.withLock('k', 10_000, () => { throw new Error('fn failed') }), /fn failed/)
    assert.equal(await s.locks.withLock('k', 1000, () => 'free again', { waitMs: 0 }), 'free again')
  })

  it('extends the lock while fn runs longer than the ttl', async (t) => {
    const s = await setup(t); if (!s) return
    await s.locks.withLock('k', 200, async ({ signal }) => {
      await sleep(700)
      assert.equal(signal.aborted, false)
      await assert.rejects(s.locks.withLock('k', 200, () => {}, { waitMs: 0 }), (err) => codeOf(err) === 'CORRAL_ERR_LOCK_TIMEOUT')
    })
  })

  it('aborts fn\'s signal and throws CORRAL_ERR_LOCK_LOST when another holder takes the lock over', async (t) => {
    const s = await setup(t); if (!s) return
    let seen: unknown
    await assert.rejects(s.locks.withLock('k', 90, async ({ signal }) => {
      await s.redis.set(`${s.prefix}{k}`, 'someone else', 'PX', 10_000)  // as if our lock had expired during a pause
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
      seen = signal.reason
    }), (err) => codeOf(err) === 'CORRAL_ERR_LOCK_LOST')
    assert.equal(codeOf(seen), 'CORRAL_ERR_LOCK_LOST')
    assert.equal(await s.redis.get(`${s.prefix}{k}`), 'someone else', 'our release did not delete the new holder\'s lock')
  })

  it('throws CORRAL_ERR_LOCK_TIMEOUT naming the Redis error, without hanging, when Redis is down', async (t) => {
    const redis = await privateRedis(t)
    if (!redis) return
    await redis.kill()
    const locks = redisLocks({ url: redis.url, connectTimeoutMs: 200 })
    t.after(() => locks.close())
    let ran = false
    await assert.rejects(locks.withLock('k', 1000, () => { ran = true }, { waitMs: 300 }),
      (err) => codeOf(err) === 'CORRAL_ERR_LOCK_TIMEOUT' && /redis: /.test((err as Error).message))
    assert.equal(ran, false)
  })

  it('refuses a missing ttl with CORRAL_ERR_IO_OPTION', async (t) => {
    const s = await setup(t); if (!s) return
    await assert.rejects(s.locks.withLock('k', undefined as unknown as number, () => {}), (err) => codeOf(err) === 'CORRAL_ERR_IO_OPTION')
  })
})
