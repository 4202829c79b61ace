/**
 * The worker's side of one cache across workers (io/cache/peers.ts): its in-process caches'
 * writes go to the master, which passes them to the other workers (arbiter/cache-relay.ts), and
 * the other workers' writes arrive here to be applied and acknowledged.
 */
import { request, send } from '../ipc/channel.js'
import type { CacheOp } from '../ipc/messages.js'
import { applyFromPeer, setPeerLink } from '../io/cache/peers.js'

/** Longer than the master's own wait for the other workers, so its answer normally comes first. */
const PUBLISH_WAIT_MS = 5_000

export function linkCachePeers(): void {
  setPeerLink(async (op) => {
    // No master (it died): nobody to reach; the write stays in this worker, which is draining anyway.
    if (!process.connected) return
    await request(process, { type: 'cache-publish', op }, PUBLISH_WAIT_MS)
  })
}

/** Another worker's write: applied to this worker's caches of that name, then acknowledged. */
export function applyPeerOp(seq: number, op: CacheOp): void {
  void applyFromPeer(op).catch(() => {}).finally(() => send(process, { type: 'cache-applied', ack: seq }))
}
