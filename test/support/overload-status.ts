/** The first worker's overload view in /status (issue 12), as the overload tests read it. */
import type { OverloadStatus } from '../../src/ipc/messages.js'
import type { Running } from './corral.js'
import { status, statusUntil } from './status.js'

export type Overload = OverloadStatus
interface WithOverload { workers: { overload?: Overload | null }[] }

/** Undefined until the first heartbeat has reported it. */
export async function overloadOf(server: Running): Promise<Overload | undefined> {
  return (await status<WithOverload>(server.admin)).workers[0]?.overload ?? undefined
}

/** Read /status until the first worker's overload view passes `check`, or fail with the last reading after `ms`. */
export async function until(server: Running, check: (o: Overload) => boolean, ms: number, what: string): Promise<Overload> {
  // Absent (or null) until a heartbeat has reported it.
  const seen = (x: WithOverload) => x.workers[0]?.overload ?? undefined
  return seen(await statusUntil<WithOverload>(server.admin, what, (x) => { const o = seen(x); return o !== undefined && check(o) }, ms))!
}
