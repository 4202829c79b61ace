/**
 * Tests that need Redis or PostgreSQL ask here first. An absent service skips the test with the
 * reason printed; under CORRAL_REQUIRE_SERVICES=1 (CI) an absent service fails it instead, so a
 * green CI always means the service-backed tests ran.
 */
import { connect } from 'node:net'
import type { TestContext } from 'node:test'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const required = () => process.env.CORRAL_REQUIRE_SERVICES === '1'

function reachable(url: string, timeoutMs = 1000): Promise<void> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer from ${hostname}:${port} in ${timeoutMs}ms`)) }, timeoutMs)
    socket.once('connect', () => { clearTimeout(timer); socket.end(); resolve() })
    socket.once('error', (err) => { clearTimeout(timer); reject(err) })
  })
}

/** Returns true when the service answers; otherwise skips `t` (or throws under CORRAL_REQUIRE_SERVICES=1). */
export async function needService(t: TestContext, name: 'redis' | 'postgres'): Promise<boolean> {
  const url = name === 'redis' ? REDIS_URL : DATABASE_URL
  try {
    await reachable(url)
    return true
  } catch (err) {
    return skipOrFail(t, `${name} is not reachable at ${url}: ${(err as Error).message}`)
  }
}

/** Skips `t` with the reason printed, or, under CORRAL_REQUIRE_SERVICES=1, fails it: what every need* helper does when its thing is absent. */
export function skipOrFail(t: TestContext, reason: string): false {
  if (required()) throw new Error(`${reason} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`)
  console.log(`# skipped: ${reason}`)
  t.skip(reason)
  return false
}
