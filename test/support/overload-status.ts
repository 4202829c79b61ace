/** The first worker's overload view in /status (issue 12), as the overload tests read it. */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { OverloadStatus } from '../../src/ipc/messages.js'
import type { Running } from './corral.js'

export type Overload = OverloadStatus

/** Undefined until the first heartbeat has reported it. */
export async function overloadOf(server: Running): Promise<Overload | undefined> {
  const status = await (await fetch(`${server.admin}/status`)).json() as { workers: { overload?: Overload }[] }
  return status.workers[0]?.overload
}

/** Poll /status until `check` passes, or fail with the last reading after `ms`. */
export async function until(server: Running, check: (o: Overload) => boolean, ms: number, what: string): Promise<Overload> {
  const deadline = Date.now() + ms
  let last: Overload | undefined
  do {
    last = await overloadOf(server)
    if (last && check(last)) return last
    await sleep(50)
  } while (Date.now() < deadline)
  assert.fail(`${what} within ${ms} ms; last: ${JSON.stringify(last)}`)
}
