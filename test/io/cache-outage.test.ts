import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisCache } from '../../src/io/cache/redis.js'
import type { CacheLog } from '../../src/io/cache/cache.js'
import { privateRedis } from './private-redis.js'

/** Collects log lines instead of printing them. */
function recorder() {
  const lines: { level: string; message: string }[] = []
  const log: CacheLog = {
    warn: (_d, message) => { lines.push({ level: 'warn', message }) },
    info: (_d, message) => { lines.push({ level: 'info', message }) },
  }
  return { lines, log }
}

/** Rejects if `p` has not settled in ms: "does not hang", not a speed claim. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([p, sleep(ms, undefined, { ref: false }).then(() => { throw new Error(`still waiting after ${ms}ms`) })])
}

describe('redis cache when Redis goes away', () => {
  it('answers getOrSet from the loader while Redis is down, logs once, and heals when it returns', async (t) => {
    const redis = await privateRedis(t)
    if (!redis) return
    const { lines, log } = recorder()
    const cache = redisCache({ url: redis.url, prefix: 'outage:', log, commandTimeoutMs: 200 })
    t.after(() => cache.close())
    let runs = 0
    const loader = async () => `value ${++runs}`

    assert.equal(await cache.getOrSet('k', 60_000, loader), 'value 1')
    assert.equal(await cache.getOrSet('k', 60_000, loader), 'value 1', 'a hit while Redis is up')

    await redis.kill()
    for (let i = 0; i < 20; i++) {
      assert.equal(await within(2000, cache.getOrSet('k', 60_000, loader)), `value ${runs}`)
      await within(2000, cache.set('other', 1, 60_000))
      assert.equal(await within(2000, cache.get('other')), undefined)
    }
    assert.equal(runs, 21, 'every request while down ran the loader and got its value')
    assert.deepEqual(lines.map((l) => l.level), ['warn'], 'the outage was logged once, not per command')

    await redis.start()  // a fresh, empty Redis on the same port
    let healed = false
    for (let i = 0; i < 50 && !healed; i++) {  // ioredis reconnects within its 2s backoff cap
      await sleep(100)
      await cache.getOrSet('k2', 60_000, loader)
      healed = lines.some((l) => l.level === 'info')
    }
    assert.ok(healed, 'the cache logged that Redis answers again')
    const before = runs
    assert.equal(await cache.getOrSet('k3', 60_000, loader), `value ${before + 1}`)
    assert.equal(await cache.getOrSet('k3', 60_000, loader), `value ${before + 1}`, 'hits again after recovery')
    assert.deepEqual(lines.map((l) => l.level), ['warn', 'info'])
  })

  it('does not hang the first requests when Redis is down from the start', async (t) => {
    const redis = await privateRedis(t)
    if (!redis) return
    await redis.kill()
    const { lines, log } = recorder()
    const cache = redisCache({ url: redis.url, log, connectTimeoutMs: 300 })
    t.after(() => cache.close())
    const got = await within(3000, Promise.all(Array.from({ length: 10 }, (_, i) => cache.getOrSet(`k${i}`, 1000, () => i))))
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert.equal(lines.length, 1)
  })
})
