/**
 * The client side of overload control (issue 12): an upstream that slows down gets fewer calls at
 * once. The upstream is a process of its own (fixtures/slow-upstream.ts) that, when switched to
 * "slow", serves one call at a time, so the more calls it is sent at once the slower each answers,
 * as a service pushed past its capacity does.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { upstream, type Upstream } from '../../src/io/upstream.js'
import { gather } from '../../src/io/fanout.js'
import { registry } from '../../src/metrics/registry.js'

const CONNECTIONS = 16
const CALLERS = 16

interface Stats { mode: string; inFlight: number; peak: number; calls: number }

describe('upstream adaptive concurrency', () => {
  let child: ChildProcess
  let origin: string
  before(async () => {
    const script = fileURLToPath(new URL('./fixtures/slow-upstream.ts', import.meta.url))
    child = spawn(process.execPath, ['--import', 'tsx', script, 'fast'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const [line] = await Promise.race([
      once(child.stdout!, 'data') as Promise<Buffer[]>,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the slow upstream did not start within 20 s')), 20_000).unref()),
    ])
    origin = `http://127.0.0.1:${String(line).trim()}`
  })
  after(() => { child?.kill('SIGTERM') })

  const control = async (path: string) => (await fetch(origin + path)).json().catch(() => undefined) as Promise<Stats>

  /** CALLERS callers, each calling again as soon as answered, for `ms` (and at most 2,000 calls each): what became of the calls. */
  async function load(up: Upstream, ms: number) {
    const end = Date.now() + ms
    const outcomes = { ok: 0, limited: 0, other: [] as string[], limitedStatus: new Set<number>(), fallbacks: 0 }
    await Promise.all(Array.from({ length: CALLERS }, async () => {
      for (let i = 0; i < 2000 && Date.now() < end; i++) {
        const out = await gather(undefined, { item: { run: (signal) => up.json('/item', { signal }), fallback: () => 'fallback' } })
        if (out.item.ok) { outcomes.ok++; continue }
        const err = out.item.error as { code?: string; status?: number }
        if (err.code === 'CORRAL_ERR_UPSTREAM_LIMIT') {
          outcomes.limited++
          outcomes.limitedStatus.add(err.status ?? 0)
          if (out.item.fallback) outcomes.fallbacks++
        } else outcomes.other.push(String(err.code))
      }
    }))
    return outcomes
  }

  it('sends a slowed-down upstream fewer calls at once, refuses the rest with a 503 code that gets the fallback, and climbs back when it recovers', async () => {
    const up = upstream({ name: 'slowing', origin, connections: CONNECTIONS, timeoutMs: 5000, retries: 0, breaker: false })
    after(() => up.close())
    assert.equal(up.concurrencyLimit, CONNECTIONS, 'an unmeasured upstream starts at its connections')

    const fast = await load(up, 1000)
    assert.ok(fast.ok > 0 && fast.other.length === 0, `the fast upstream answered: ${JSON.stringify(fast)}`)
    await control('/stats')

    await control('/mode?m=slow')
    const slowing = await load(up, 1500)
    await control('/stats')
    const slow = await load(up, 1000)
    const slowStats = await control('/stats')
    slow.limited += slowing.limited
    slow.fallbacks += slowing.fallbacks
    slow.other.push(...slowing.other)
    for (const s of slowing.limitedStatus) slow.limitedStatus.add(s)
    assert.deepEqual(slow.other, [], 'no call failed otherwise (no timeouts: each waited at most its waitMs)')
    assert.ok(slow.limited > 0, `calls past the limit were refused: ${JSON.stringify({ ...slow, limitedStatus: [...slow.limitedStatus] })}`)
    assert.deepEqual([...slow.limitedStatus], [503], 'CORRAL_ERR_UPSTREAM_LIMIT is a 503')
    assert.equal(slow.fallbacks, slow.limited, 'gather() answered each refused call with its fallback')
    assert.ok(up.concurrencyLimit <= CONNECTIONS / 4, `the limit came down: ${up.concurrencyLimit}`)
    assert.ok(slowStats.peak <= CONNECTIONS / 2, `in the last second of its slow spell the upstream saw at most ${slowStats.peak} calls at once`)
    const metrics = await registry.getSingleMetricAsString('corral_upstream_concurrency_limit')
    assert.match(metrics, new RegExp(`corral_upstream_concurrency_limit\\{upstream="slowing"\\} ${up.concurrencyLimit}\\b`))

    // Recovered: the baseline (the fast spell's, within its 30 s horizon) is met again and the limit
    // climbs back with the demand; bounded at 20 s of load on a busy machine.
    await control('/mode?m=fast')
    const deadline = Date.now() + 20_000
    while (up.concurrencyLimit < CONNECTIONS && Date.now() < deadline) await load(up, 300)
    assert.equal(up.concurrencyLimit, CONNECTIONS, 'the limit climbed back to the connections')
  })
})
