/**
 * One behaviour suite for every Cache (STYLE.md #11): memory, redis and tiered each run it from
 * their own test file. `make` returns undefined when its backend is absent (the test is skipped).
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { randomUUID } from 'node:crypto'
import type { Cache } from '../../src/io/cache/cache.js'

type Make = (t: TestContext) => Promise<Cache | undefined>

export function cacheContract(name: string, make: Make): void {
  describe(`${name} behaves as a Cache`, () => {
    /** A fresh cache and a key no other test uses; closes the cache when the test ends. */
    async function setup(t: TestContext) {
      const cache = await make(t)
      if (cache) t.after(() => cache.close())
      return { cache, key: (s = '') => `${randomUUID()}${s}` }
    }

    it('returns undefined, not an error, for a missing key', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      assert.equal(await cache.get(key()), undefined)
    })

    it('returns what was set, as JSON round-trips it', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      await cache.set(k, { id: 1, tags: ['a'], price: 9.5, none: null, when: new Date(0) }, 10_000)
      assert.deepEqual(await cache.get(k), { id: 1, tags: ['a'], price: 9.5, none: null, when: '1970-01-01T00:00:00.000Z' })
    })

    it('returns a plain value as JSON round-trips it, as every backend does', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const cases: [unknown, unknown][] = [['text', 'text'], ['', ''], [0, 0], [-0, 0], [2.5, 2.5], [NaN, null], [Infinity, null], [true, true], [false, false], [null, null]]
      const keys = cases.map(() => key())
      for (let i = 0; i < cases.length; i++) await cache.set(keys[i]!, cases[i]![0], 10_000)
      const got = await cache.mget(keys)
      for (let i = 0; i < cases.length; i++) assert.ok(Object.is(got[i], cases[i]![1]), `${String(cases[i]![0])}: got ${String(got[i])}`)
      // getOrSet serves them the same way, from a hit as from its loader.
      const k = key()
      assert.equal(await cache.getOrSet(k, 10_000, () => -0), -0) // the loader's own value, as it returned it
      assert.ok(Object.is(await cache.getOrSet(k, 10_000, () => 1), 0))
    })

    it('does not let a getOrSet caller change the cached value by mutating what it got', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      const first = await cache.getOrSet(k, 10_000, () => ({ n: 1, list: [1] }))
      first.n = 2
      first.list.push(2)
      const hit = await cache.getOrSet(k, 10_000, () => ({ n: 3, list: [3] }))
      assert.deepEqual(hit, { n: 1, list: [1] })
      hit.list.push(4)
      assert.deepEqual(await cache.getOrSet(k, 10_000, () => ({ n: 3, list: [3] })), { n: 1, list: [1] })
    })

    it('forgets a value once its ttl has passed', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      await cache.set(k, 'short', 200)
      assert.equal(await cache.get(k), 'short')
      await sleep(400)
      assert.equal(await cache.get(k), undefined)
    })

    it('forgets a deleted key', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      await cache.set(k, 1, 10_000)
      await cache.del(k)
      assert.equal(await cache.get(k), undefined)
    })

    it('gets many keys at once, in order, with undefined for the missing', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const [a, b, c] = [key('a'), key('b'), key('c')]
      await cache.set(a, 'A', 10_000)
      await cache.set(c, 'C', 10_000)
      assert.deepEqual(await cache.mget([a, b, c]), ['A', undefined, 'C'])
      assert.deepEqual(await cache.mget([]), [])
    })

    it('does not let a caller change the cached value by mutating what it got', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      await cache.set(k, { n: 1 }, 10_000)
      const got = await cache.get<{ n: number }>(k)
      got!.n = 2
      assert.deepEqual(await cache.get(k), { n: 1 })
    })

    it('getOrSet runs the loader on a miss and not on a hit', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      let runs = 0
      const loader = async () => ({ run: ++runs })
      assert.deepEqual(await cache.getOrSet(k, 10_000, loader), { run: 1 })
      assert.deepEqual(await cache.getOrSet(k, 10_000, loader), { run: 1 })
      assert.equal(runs, 1)
    })

    it('runs the loader once for 100 concurrent misses of one key', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      let runs = 0
      const loader = async () => { runs++; await sleep(30); return 'loaded' }
      const got = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet(k, 10_000, loader)))
      assert.equal(runs, 1)
      assert.ok(got.every((v) => v === 'loaded'))
    })

    it('throws a loader error to every waiter and stores nothing', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      let runs = 0
      const failing = async (): Promise<string> => { runs++; await sleep(10); throw new Error('db down') }
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => cache.getOrSet(k, 10_000, failing)))
      assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'db down'))
      assert.equal(runs, 1)
      assert.equal(await cache.getOrSet(k, 10_000, () => 'recovered'), 'recovered')
    })

    it('does not store a loader result of undefined', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      let runs = 0
      const loader = async () => { runs++; return undefined }
      await cache.getOrSet(k, 10_000, loader)
      await cache.getOrSet(k, 10_000, loader)
      assert.equal(runs, 2)
    })

    it('serves the stale value while one refresh runs, then the fresh one', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      let version = 0
      const loader = async () => { await sleep(40); return ++version }
      assert.equal(await cache.getOrSet(k, 30, loader, { staleMs: 10_000, jitter: 0 }), 1)
      await sleep(60)  // past the ttl, inside the stale window
      const during = await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet(k, 30, loader, { staleMs: 10_000, jitter: 0 })))
      assert.deepEqual(new Set(during), new Set([1]), 'every caller got the stale value at once')
      for (let i = 0; i < 100 && version < 2; i++) await sleep(20)  // wait (bounded) for the refresh's loader
      assert.equal(version, 2, 'one refresh ran for ten stale reads')
      let latest: number | undefined
      for (let i = 0; i < 100 && latest !== 2; i++) {  // and for its write to land
        latest = await cache.getOrSet(k, 30, loader, { staleMs: 10_000, jitter: 0 })
        if (latest !== 2) await sleep(20)
      }
      assert.equal(latest, 2)
    })

    it('keeps a value no longer than its ttl and stale window: past both, getOrSet loads', async (t) => {
      const { cache, key } = await setup(t); if (!cache) return
      const k = key()
      let version = 0
      const loader = () => ++version
      assert.equal(await cache.getOrSet(k, 30, loader, { staleMs: 60, jitter: 0 }), 1)
      await sleep(200)  // past ttl + staleMs: the store has let it go
      // A reader with a longer stale window finds nothing stale to serve: it waits for its own load.
      assert.equal(await cache.getOrSet(k, 30, loader, { staleMs: 10_000, jitter: 0 }), 2)
    })

    it('refuses an empty key with CORRAL_ERR_IO_OPTION', async (t) => {
      const { cache } = await setup(t); if (!cache) return
      await assert.rejects(async () => cache.get(''), (err) => (err as { code?: string }).code === 'CORRAL_ERR_IO_OPTION')
    })
  })
}
