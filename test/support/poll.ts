/**
 * Waiting in tests until something reports a state: ask, and ask again every `everyMs` until the
 * answer is truthy, or fail with what was asked for and (where `last` says) what the last answer
 * was. The evidence of ordering comes from the server or the screen, never from a sleep. status.ts
 * (/status), metrics.ts (/metrics), tmux.ts (a terminal's screen) and the tests' own probes use it.
 */
import { setTimeout as sleep } from 'node:timers/promises'

type Falsy = false | null | undefined | 0 | ''
/** Asked until it answers something truthy: that answer is what the wait returns. */
export type Probe<T> = () => Promise<T | Falsy> | T | Falsy

export async function pollFor<T>(
  what: string,
  probe: Probe<T>,
  o: { timeoutMs?: number; everyMs?: number; last?: () => string } = {},
): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 15_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${o.last ? `; ${o.last()}` : ''}`)
    await sleep(o.everyMs ?? 50)
  }
}
