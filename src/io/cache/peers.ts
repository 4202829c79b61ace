/**
 * One in-process cache across a server's workers. Each worker has its own memory cache; a `set`
 * or `del` on it is published to the caches of the same name in the other workers and resolves
 * only once they have applied it, so a write's response never goes out while another worker can
 * still serve the old value. getOrSet's loads stay in their worker: each loads the same truth.
 *
 * io/ does not know how workers talk. The worker plugs in its way (through the master, over IPC)
 * with setPeerLink; outside a worker (a script, a test) nothing is published and a write is local.
 * The link and the caches live on globalThis, not in this module, because the app may reach
 * corral/io through a second copy of corral (a .ts import of the sources, a nested install).
 */

/** What travels between workers: JSON, as every cached value already is. */
export type PeerOp =
  | { cache: string; op: 'set'; key: string; value: unknown; ttlMs: number }
  | { cache: string; op: 'del'; key: string }

type Apply = (op: PeerOp) => Promise<void>

interface Peers {
  /** Set by the worker: reaches every other worker and resolves once they have applied op. */
  publish?: (op: PeerOp) => Promise<void>
  /** The caches of this process that take part, by name. */
  caches: Map<string, Set<Apply>>
}

const PEERS = Symbol.for('corral.cache.peers')
const slot = globalThis as { [PEERS]?: Peers }
const peers = (): Peers => (slot[PEERS] ??= { caches: new Map() })

/** The worker's side: how an op reaches the other workers. */
export function setPeerLink(publish: (op: PeerOp) => Promise<void>): void {
  peers().publish = publish
}

/** A cache takes part under its name: ops the other workers publish for that name are applied with apply. */
export function joinPeers(name: string, apply: Apply): () => void {
  const { caches } = peers()
  const set = caches.get(name) ?? new Set()
  caches.set(name, set.add(apply))
  return () => { set.delete(apply); if (set.size === 0 && caches.get(name) === set) caches.delete(name) }
}

/** Send op to the other workers; resolves once they applied it (at once outside a worker). */
export function publishToPeers(op: PeerOp): Promise<void> {
  return peers().publish?.(op) ?? Promise.resolve()
}

/** An op another worker published: applied to this process's caches of that name. */
export async function applyFromPeer(op: PeerOp): Promise<void> {
  const set = peers().caches.get(op.cache)
  if (set) await Promise.all([...set].map((apply) => apply(op)))
}
