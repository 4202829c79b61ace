/** The first worker's overload view in /status (issue 12), as the overload tests read it. */
import type { OverloadStatus } from '../../src/ipc/messages.js'
import type { Running } from './corral.js'
import { pollFor } from './poll.js'
import { status } from './status.js'

export type Overload = OverloadStatus
interface WithOverload { workers: { overload?: Overload | null }[] }

/** Undefined until the first heartbeat has reported it (/status has it absent or null before). */
export async function overloadOf(server: Running): Promise<Overload | undefined> {
  return (await status<WithOverload>(server.admin)).workers[0]?.overload ?? undefined
}

/** Read /status until the first worker's overload view passes `check`, or fail with the last reading after `ms`. */
export function until(server: Running, check: (o: Overload) => boolean, ms: number, what: string): Promise<Overload> {
  let last: Overload | undefined
  return pollFor(what, async () => { last = await overloadOf(server); return last !== undefined && check(last) && last }, { timeoutMs: ms, last: () => `last: ${JSON.stringify(last)}` })
}
