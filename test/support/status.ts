/**
 * Reading a server's /status in tests, and waiting until the server itself reports a state (a worker
 * ready, a beat after an event, a limit reached): the evidence of ordering comes from the server,
 * never from a sleep (poll.ts). metrics.ts does the same for /metrics.
 */
import { pollFor } from './poll.js'

/** The parts of /status the tests read; each test narrows it with its own type argument. */
export interface WorkerStatus { id: number; pid: number; state: string; [key: string]: unknown }
export interface Status { target: number; workers: WorkerStatus[]; [key: string]: unknown }

export async function status<T = Status>(admin: string): Promise<T> {
  return await (await fetch(admin + '/status')).json() as T
}

/** Read /status until `check` holds; fail with the last reading after `timeoutMs`. */
export function statusUntil<T = Status>(admin: string, what: string, check: (s: T) => boolean, timeoutMs = 15_000): Promise<T> {
  let last: T | undefined
  return pollFor(what, async () => { last = await status<T>(admin); return check(last) && last }, { timeoutMs, last: () => `last /status: ${JSON.stringify(last)}` })
}
