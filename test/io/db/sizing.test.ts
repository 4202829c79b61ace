import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { planPoolSize, readServerLimits, headroomFor, AUTO_MAX_PER_WORKER, type ServerLimits } from '../../../src/io/db/sizing.js'
import { DATABASE_URL, needService } from '../../support/services.js'

const server = (maxConnections: number, reserved = 3): ServerLimits => ({ maxConnections, reserved, inUse: 0, embedded: false })

describe('pool sizing', () => {
  it('accepts an explicit size whose total fits what the server allows', () => {
    const plan = planPoolSize({ limits: server(100), workers: 4, hosts: 2, requested: 12 })
    assert.deepEqual(plan, { perWorker: 12, total: 96, allowed: 97, headroom: 1 })
  })

  it('refuses an explicit size that cannot fit, showing the arithmetic and what to change', () => {
    assert.throws(() => planPoolSize({ limits: server(100), workers: 4, hosts: 2, requested: 20 }), (err: any) => {
      assert.equal(err.code, 'CORRAL_ERR_DB_POOL_BUDGET')
      assert.equal(err.exit, 7)
      assert.match(err.message, /^pool of 20 per worker × 4 workers × 2 hosts = 160 connections, but the server allows 97 \(max_connections 100 − 3 reserved\); lower --db-pool-size, workers or --db-hosts, or raise max_connections/)
      return true
    })
  })

  it('divides what is allowed among workers x hosts for auto, keeping headroom free', () => {
    const plan = planPoolSize({ limits: server(100), workers: 4, hosts: 3, requested: 'auto' })
    assert.equal(headroomFor(97), 10)
    assert.equal(plan.perWorker, Math.floor((97 - 10) / 12))
    assert.ok(plan.total + plan.headroom <= plan.allowed)
  })

  it('caps auto at a modest per-worker size on a large server', () => {
    assert.equal(planPoolSize({ limits: server(5000), workers: 2, hosts: 1, requested: 'auto' }).perWorker, AUTO_MAX_PER_WORKER)
  })

  it('refuses auto when not even one connection per worker fits', () => {
    assert.throws(() => planPoolSize({ limits: server(20), workers: 16, hosts: 2, requested: 'auto' }),
      /even 1 connection per worker × 16 workers × 2 hosts = 32 connections does not fit/)
  })

  it('sizes the embedded database by its socket limit and advises a real server', () => {
    const limits: ServerLimits = { maxConnections: 64, reserved: 0, inUse: 0, embedded: true }
    assert.equal(planPoolSize({ limits, workers: 4, hosts: 1, requested: 'auto' }).perWorker, 2)
    assert.throws(() => planPoolSize({ limits, workers: 8, hosts: 1, requested: 10 }),
      /the embedded PostgreSQL accepts 64; lower --db-pool-size or workers, or set DATABASE_URL/)
  })

  it('reads max_connections and the reserved slots from the real server', async (t) => {
    if (!(await needService(t, 'postgres'))) return
    const limits = await readServerLimits(DATABASE_URL)
    assert.equal(limits.embedded, false)
    assert.ok(limits.maxConnections >= 1)
    assert.ok(limits.reserved >= 0 && limits.reserved < limits.maxConnections)
  })

  it('refuses a configured size that cannot fit the real server, prevented before "too many clients already"', async (t) => {
    if (!(await needService(t, 'postgres'))) return
    const limits = await readServerLimits(DATABASE_URL)
    const allowed = limits.maxConnections - limits.reserved
    const requested = Math.floor(allowed / 2) + 1 // two workers of this size need more than allowed
    assert.throws(() => planPoolSize({ limits, workers: 2, hosts: 1, requested }), (err: any) => {
      assert.equal(err.code, 'CORRAL_ERR_DB_POOL_BUDGET')
      assert.ok(err.message.includes(`pool of ${requested} per worker × 2 workers × 1 host = ${requested * 2} connections, ` +
        `but the server allows ${allowed} (max_connections ${limits.maxConnections} − ${limits.reserved} reserved)`), err.message)
      return true
    })
  })
})
