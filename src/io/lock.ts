/**
 * withLock(key, ttlMs, fn): run fn while holding a lock that workers on every host respect,
 * using one Redis.
 *
 * - Acquire: SET key token NX PX ttl with a random token, and in the same script INCR a per-key
 *   fencing counter. fn receives that fence: it only ever grows for a key.
 * - Hold: while fn runs the ttl is extended every ttl/3 (only if the token is still ours).
 * - Release: compare-and-delete in a script, so a holder whose lock expired cannot delete the
 *   lock someone else now holds.
 *
 * What this guarantees, and what it does not: with one healthy Redis, two holders never overlap
 * as long as each holder's process keeps running its extension timer. A holder that stalls
 * longer than ttl (a GC pause, a blocked loop, a network partition) loses the lock without
 * knowing it until its next extension: its signal aborts then, and withLock throws
 * CORRAL_ERR_LOCK_LOST, but writes it made in the gap may overlap the next holder's. Locks of
 * this kind (one Redis, or Redlock across several) are therefore advisory. Where overlap would
 * corrupt data, pass the fence to the resource and have it refuse writes with an older fence
 * (e.g. `UPDATE … SET v = $1, fence = $2 WHERE id = $3 AND fence < $2`). If Redis loses its data
 * (restart without persistence, failover to a lagging replica) the lock and the counter can go
 * back: keep persistence on for the Redis that holds locks.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { corralError } from '../errors.js'
import { onClose } from './lifecycle.js'
import { closeRedis, connectRedis, readyOnce, type RedisConnectionOptions } from './redis-connection.js'
import { backoffMs, pause } from './retry.js'
import { intOption, msOption } from './options.js'

export interface LocksOptions extends RedisConnectionOptions {
  /** Use this client instead of opening one; close() will not close it. */
  client?: Redis
  /** Prepended to lock keys. Default 'corral:lock:'. */
  prefix?: string
}

export interface WithLockOptions {
  /** How long to wait for a holder to let go. Default 5000 ms; 0 tries once. */
  waitMs?: number
  /** Stop waiting (and abort fn's signal) when this aborts: pass ctx.signal. */
  signal?: AbortSignal
}

export interface Held {
  key: string
  /** Grows by one with every acquisition of this key, across all processes. Hand it to the resource. */
  fence: number
  /** Aborts if the lock is lost while fn runs, or the caller's signal aborts. */
  signal: AbortSignal
}

export interface Locks {
  withLock<T>(key: string, ttlMs: number, fn: (held: Held) => Promise<T> | T, options?: WithLockOptions): Promise<T>
  close(): Promise<void>
}

const ACQUIRE = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('incr', KEYS[2]) end return 0`
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`

export function redisLocks(options: LocksOptions = {}): Locks {
  const owner = 'locks'
  const prefix = options.prefix ?? 'corral:lock:'
  const client = options.client ?? connectRedis(owner, options)
  const startupWaitMs = msOption(owner, 'connectTimeoutMs', options.connectTimeoutMs, 1000)
  const unregister = options.client ? () => {} : onClose(owner, () => closeRedis(client))

  async function withLock<T>(key: string, ttlMs: number, fn: (held: Held) => Promise<T> | T, o: WithLockOptions = {}): Promise<T> {
    if (typeof key !== 'string' || key.length === 0) throw corralError('CORRAL_ERR_IO_OPTION', owner, 'key', 'a non-empty string', JSON.stringify(key))
    const ttl = Math.ceil(msOption(`lock ${key}`, 'ttlMs', ttlMs ?? NaN, 0))
    const waitMs = intOption(`lock ${key}`, 'waitMs', o.waitMs, 5000, 0)
    // The braces are a Redis Cluster hash tag: the lock and its counter live in one slot, so one script can touch both.
    const lockKey = `${prefix}{${key}}`
    const fenceKey = `${prefix}{${key}}:fence`
    const token = randomBytes(16).toString('hex')
    await readyOnce(client, startupWaitMs)

    const fence = await acquire(key, lockKey, fenceKey, token, ttl, waitMs, o.signal)
    const controller = new AbortController()
    const onCallerAbort = () => controller.abort(o.signal!.reason)
    o.signal?.addEventListener('abort', onCallerAbort, { once: true })
    let lost: Error | undefined
    let confirmedAt = Date.now()
    const loseIt = (why: string) => {
      lost ??= corralError('CORRAL_ERR_LOCK_LOST', key, why)
      if (!controller.signal.aborted) controller.abort(lost)
    }
    const extender = setInterval(async () => {
      if (lost) return
      try {
        const extended = await client.eval(EXTEND, 1, lockKey, token, ttl) as number
        if (extended === 1) confirmedAt = Date.now()
        else loseIt('another holder has it, or it expired')
      } catch (err) {
        // Redis did not answer: we may still hold it until ttl after the last confirmation.
        if (Date.now() - confirmedAt >= ttl) loseIt(`could not extend it: ${(err as Error).message}`)
      }
    }, Math.max(1, Math.floor(ttl / 3)))
    try {
      const result = await fn({ key, fence, signal: controller.signal })
      if (lost) throw lost
      return result
    } finally {
      clearInterval(extender)
      o.signal?.removeEventListener('abort', onCallerAbort)
      // Best effort: if Redis does not answer, the lock expires by itself after ttl.
      await client.eval(RELEASE, 1, lockKey, token).catch(() => {})
    }
  }

  async function acquire(key: string, lockKey: string, fenceKey: string, token: string, ttl: number, waitMs: number, signal?: AbortSignal): Promise<number> {
    const giveUpAt = Date.now() + waitMs
    let lastError: unknown
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw signal.reason
      try {
        const fence = await client.eval(ACQUIRE, 2, lockKey, fenceKey, token, ttl) as number
        if (fence > 0) return fence
        lastError = undefined
      } catch (err) {
        lastError = err
      }
      const left = giveUpAt - Date.now()
      if (left <= 0) {
        throw corralError('CORRAL_ERR_LOCK_TIMEOUT', key, waitMs, lastError ? ` (redis: ${(lastError as Error).message})` : '')
      }
      // Jittered, so waiters that lost together do not all retry in the same millisecond.
      await pause(Math.min(left, 5 + backoffMs(attempt, { baseMs: 5, maxMs: 50 })), signal)
    }
  }

  return {
    withLock,
    async close() {
      unregister()
      if (!options.client) await closeRedis(client)
    },
  }
}
