/**
 * The master's part in one cache across workers: a worker's cache write (`cache-publish`) goes to
 * every other live worker as `cache-apply`; once they have all answered, the writer is told
 * (`cache-published`) and only then lets its response go out.
 *
 * A worker that does not answer within APPLY_WAIT_MS (its loop is blocked, it is dying) does not
 * hold the write up for longer. With the master handing out connections (the default balance) it
 * still applies the op before it serves anything new: the op was sent on the same channel, ahead
 * of any connection handed to it later, and the channel keeps order.
 */
import { request, send } from '../ipc/channel.js'
import type { WorkerMessage } from '../ipc/messages.js'
import type { WorkerRecord } from './worker-record.js'

const APPLY_WAIT_MS = 2_000

export async function relayCacheOp(from: WorkerRecord, m: Extract<WorkerMessage, { type: 'cache-publish' }>, workers: readonly WorkerRecord[]): Promise<void> {
  const others = workers.filter((w) => w !== from && w.process.isConnected())
  await Promise.all(others.map((w) => request(w.process, { type: 'cache-apply', op: m.op }, APPLY_WAIT_MS)))
  send(from.process, { type: 'cache-published', ack: m.seq })
}
