/**
 * The kernel's accept queue of this process's listening TCP sockets: connections whose handshake
 * has completed (the client already sees them as open) but that nobody has accepted yet. Closing a
 * listening socket resets every connection in it, so a graceful stop empties it first.
 *
 * Linux only: in /proc/net/tcp and tcp6, a socket in LISTEN state reports the length of its accept
 * queue as rx_queue. Elsewhere (and for unix sockets, which /proc/net/unix does not count) the depth
 * is unknown and callers go on without waiting.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'

const LISTEN = '0A'

/** The inodes of the sockets this process holds open: a listening socket is ours only if its inode is here. */
async function ownSocketInodes(): Promise<Set<string>> {
  const inodes = new Set<string>()
  const fds = await readdir('/proc/self/fd')
  await Promise.all(fds.map(async (fd) => {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1))
  }))
  return inodes
}

/** Every listening TCP socket on the given ports, whoever holds it, with its accept queue's length. */
export async function listeningSockets(ports: ReadonlySet<number>): Promise<{ inode: string; depth: number }[]> {
  const out: { inode: string; depth: number }[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/)
      if (f.length < 10 || f[3] !== LISTEN) continue
      const port = parseInt(f[1].slice(f[1].lastIndexOf(':') + 1), 16)
      if (!ports.has(port)) continue
      out.push({ inode: f[9], depth: parseInt(f[4].slice(f[4].indexOf(':') + 1), 16) })
    }
  }
  return out
}

export interface AcceptQueue {
  /** Connections waiting now in this process's listening sockets on the given ports. */
  depth(): Promise<number>
}

/**
 * The accept queue of the listening sockets this process holds on `ports`, or undefined where the
 * kernel does not say (not Linux) or the process holds none (node:cluster's round-robin workers:
 * the master holds the socket).
 */
export async function acceptQueue(ports: readonly number[]): Promise<AcceptQueue | undefined> {
  if (process.platform !== 'linux' || ports.length === 0) return undefined
  const wanted = new Set(ports)
  const own = await ownSocketInodes().catch(() => new Set<string>())
  const mine = new Set((await listeningSockets(wanted)).filter((s) => own.has(s.inode)).map((s) => s.inode))
  if (mine.size === 0) return undefined
  return {
    depth: async () => (await listeningSockets(wanted)).reduce((sum, s) => (mine.has(s.inode) ? sum + s.depth : sum), 0),
  }
}

export interface Emptied { initial: number; left: number; waitedMs: number }

/**
 * Keep the door open until the accept queue is empty, so the connections that reached the server
 * before a stop are accepted (and answered) rather than reset. The caller keeps accepting meanwhile;
 * this only watches. Bounded by `timeoutMs`: under a flood that never lets the queue empty, what is
 * still queued then is reset, and `left` says how many.
 */
export async function untilAcceptQueueEmpty(ports: readonly number[], timeoutMs: number, pollMs = 5): Promise<Emptied | undefined> {
  const queue = await acceptQueue(ports)
  if (!queue) return undefined
  const started = performance.now()
  const initial = await queue.depth()
  let left = initial
  while (left > 0 && performance.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, pollMs))
    left = await queue.depth()
  }
  return { initial, left, waitedMs: Math.round(performance.now() - started) }
}
