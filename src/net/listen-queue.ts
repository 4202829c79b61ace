/**
 * Connections that reached the server but that no worker has yet: those in the kernel's accept
 * queue of a listening socket (the handshake is done, the client sees an open connection), and, in
 * the master, those accepted but still waiting for node:cluster to hand them to a worker (its
 * round-robin handle gives each worker one at a time, so a burst waits in the master). Closing the
 * listening socket resets both kinds, so a graceful stop waits until there are none.
 *
 * Linux only: /proc/net/tcp and tcp6 list each socket with its state and inode, and a socket in
 * LISTEN state reports its accept queue's length as rx_queue; /proc/self/fd says which sockets are
 * this process's. Elsewhere (and for unix sockets, which /proc/net/unix does not count) nothing is
 * known and callers go on without waiting.
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { readdir, readFile, readlink } from 'node:fs/promises'

const LISTEN = '0A'
const ESTABLISHED = '01'

/** The inodes of the sockets this process holds open. */
async function ownSocketInodes(): Promise<Set<string>> {
  const inodes = new Set<string>()
  const fds = await readdir('/proc/self/fd').catch(() => [])
  await Promise.all(fds.map(async (fd) => {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1))
  }))
  return inodes
}

export interface TcpSocket { state: string; port: number; inode: string; depth: number }

/** Every TCP socket whose local port is one of `ports`, whoever holds it; `depth` is a listener's accept queue. */
export async function socketsOn(ports: ReadonlySet<number>): Promise<TcpSocket[]> {
  const out: TcpSocket[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const socket = parseLine(line)
      if (socket && ports.has(socket.port)) out.push(socket)
    }
  }
  return out
}

/** One line of /proc/net/tcp: its state, local port, inode and (for a listener) accept queue. */
function parseLine(line: string): TcpSocket | undefined {
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
  const f = line.trim().split(/\s+/)
  if (f.length < 10) return undefined
  return { state: f[3]!, port: parseInt(f[1]!.slice(f[1]!.lastIndexOf(':') + 1), 16), inode: f[9]!, depth: parseInt(f[4]!.slice(f[4]!.indexOf(':') + 1), 16) }
}

/**
 * Connections in the accept queues of the sockets listening on `ports`, whoever holds them, read
 * from the head of /proc/net/tcp and tcp6 only (the overload benches sample it every 100 ms during
 * a level, bench/overload/levels.ts). The kernel lists every listening socket before any connected
 * one, so this stops at the first connected socket and costs the same at 10,000 connections as at
 * 10, where socketsOn() reads the whole table (some 3 MB at 10,000): a sampler beside a load test
 * must not take the CPU it measures. 0 where there is no /proc (not Linux) or it cannot be read.
 */
export function acceptQueueOn(ports: ReadonlySet<number>): number {
  let n = 0
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let fd: number
    try { fd = openSync(table, 'r') } catch { continue }
    try {
      const buf = Buffer.alloc(64 * 1024)
      let rest = ''
      let header = true
      read: for (;;) {
        const got = readSync(fd, buf, 0, buf.length, null)
        if (got === 0) break
        const lines = (rest + buf.toString('latin1', 0, got)).split('\n')
        rest = lines.pop()!
        for (const line of lines) {
          if (header) { header = false; continue }
          const socket = parseLine(line)
          if (!socket) continue
          if (socket.state !== LISTEN) break read
          if (ports.has(socket.port)) n += socket.depth
        }
      }
    } catch { /* a table that cannot be read counts none */ } finally { closeSync(fd) }
  }
  return n
}

export interface Emptied { initial: number; left: number; waitedMs: number }

/**
 * Keep the door open until no connection is waiting, so the connections that reached the server
 * before a stop are taken (and answered) rather than reset. The process keeps accepting meanwhile;
 * this only watches. `held` counts too the connections this process holds on those ports: right for
 * the master, which never serves one itself, wrong for a worker, which holds the ones it serves.
 * Returns undefined where nothing can be known (not Linux, or no listening socket of ours on those
 * ports: node:cluster's round-robin workers, whose master holds the socket). Bounded by
 * `timeoutMs`: under a flood that never lets the queue empty, what is left then is reset, and `left`
 * says how much.
 */
export async function untilNoneWaiting(ports: readonly number[], o: { held: boolean; timeoutMs: number; pollMs?: number }): Promise<Emptied | undefined> {
  if (process.platform !== 'linux' || ports.length === 0) return undefined
  const wanted = new Set(ports)
  const started = performance.now()
  const waiting = async (): Promise<number | undefined> => {
    // The table first, then our descriptors: a connection accepted in between is then either still
    // in the listener's queue in the table, or ours in both. The other order could miss it: accepted
    // after we listed our descriptors, and no longer queued when the table was read.
    const sockets = await socketsOn(wanted)
    const own = await ownSocketInodes()
    let listening = false
    let n = 0
    for (const s of sockets) {
      if (!own.has(s.inode)) continue
      if (s.state === LISTEN) { listening = true; n += s.depth } else if (o.held && s.state === ESTABLISHED) n++
    }
    return listening ? n : undefined
  }
  const initial = await waiting()
  if (initial === undefined) return undefined
  let left = initial
  while (left > 0 && performance.now() - started < o.timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 5))
    left = (await waiting()) ?? 0
  }
  return { initial, left, waitedMs: Math.round(performance.now() - started) }
}
