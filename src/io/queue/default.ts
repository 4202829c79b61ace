/**
 * The worker's one job queue, on the shared pool (database()). Created on first use; the table is
 * installed then if missing. Every caller in the worker gets the same Queue, so its consumers are
 * stopped once, before the pool closes (onClose runs newest first).
 */
import { database } from '../db/default.js'
import { createQueue, type Queue } from './queue.js'

let shared: Promise<Queue> | undefined

export function queue(): Promise<Queue> {
  if (!shared) {
    const creating = createQueue({ db: database() })
    shared = creating
    // A failed install (database down at boot) must not be cached: the next call tries again.
    creating.catch(() => { if (shared === creating) shared = undefined })
    void creating.then((q) => {
      const close = q.close.bind(q)
      q.close = async (timeoutMs) => { if (shared === creating) shared = undefined; await close(timeoutMs) }
    }, () => {})
  }
  return shared
}
