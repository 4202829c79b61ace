/**
 * A redis-server of the test's own, on a free loopback port, with persistence off, so a test can
 * kill it (an outage) without touching the shared Redis other tests use.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { freePort } from '../../src/net/free-port.js'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TestContext } from 'node:test'

export interface PrivateRedis {
  url: string
  port: number
  /** SIGKILL, no goodbye: the clients see the connection drop. */
  kill(): Promise<void>
  /** Start it again on the same port. */
  start(): Promise<void>
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => { s.write('PING\r\n') })
    s.once('data', (d) => { s.destroy(); resolve(d.toString().startsWith('+PONG')) })
    s.once('error', () => resolve(false))
  })
}

/** Starts one, or skips `t` when redis-server is not installed (fails under CORRAL_REQUIRE_SERVICES=1). */
export async function privateRedis(t: TestContext): Promise<PrivateRedis | undefined> {
  if (spawnSync('redis-server', ['--version']).error) {
    const reason = 'redis-server binary not found on PATH'
    if (process.env.CORRAL_REQUIRE_SERVICES === '1') throw new Error(`${reason} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`)
    t.skip(reason)
    return undefined
  }
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    for (let i = 0; i < 100; i++) {
      if (await answers(port)) return
      await sleep(20)
    }
    throw new Error(`private redis-server on port ${port} did not answer within 2s`)
  }
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  }
  await start()
  t.after(kill)
  return { url: `redis://127.0.0.1:${port}`, port, kill, start }
}
