/**
 * The master's listening sockets (with --balance round-robin, the default). The master binds them,
 * or adopts them from systemd's socket activation or from the master it replaces (SIGUSR2), and
 * holds them for its whole life: a worker that crashes, drains or is replaced never closes one, so
 * connections that arrive meanwhile wait in the kernel's queue instead of being refused or reset.
 *
 * Why not node:cluster's round-robin handle: it closes the listening descriptor when the last
 * worker leaves it (measured: one worker killed with SIGKILL, and the socket systemd passed as fd 3
 * was gone from /proc/self/fd; the next worker's listen({ fd: 3 }) failed), and a master cannot
 * stop it accepting without closing it, which a master upgrade needs (docs/operations.md).
 */
import { createServer, type Server } from 'node:net'
import { describeBind, type BindAddress } from '../config/parse.js'
import { corralError } from '../errors.js'

export interface Listener {
  /** As logs and workers show it: http://127.0.0.1:8000 or unix:/run/app.sock. */
  readonly label: string
  readonly server: Server
  /** Where it came from: bound here, or adopted (fd N from systemd, or from the master before). */
  readonly origin: string
  /** The unix socket's path, which only the last master to hold it may remove. */
  readonly path?: string
  readonly port?: number
}

function listening(server: Server, start: () => void, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(corralError('CORRAL_ERR_BIND', what, err.message))
    server.once('error', onError)
    server.once('listening', () => { server.off('error', onError); resolve() })
    start()
  })
}

function describe(server: Server, origin: string): Listener {
  const addr = server.address()
  if (typeof addr === 'string') return { label: `unix:${addr}`, server, origin, path: addr }
  if (addr === null) throw corralError('CORRAL_ERR_BIND', origin, 'the socket has no address')
  return { label: describeBind({ kind: 'tcp', host: addr.address, port: addr.port }), server, origin, port: addr.port }
}

/**
 * A connection the master accepted: the kernel socket's handle (libuv's TCP or pipe wrap), which
 * the master never reads from and only passes on and closes, as node:cluster's primary does. A
 * net.Socket made around each one, then destroyed once the worker has its copy, cost the master
 * about 50 µs more per connection than node:cluster's primary (bench/micro/master-handoff.ts).
 */
export interface Accepted { close(): void }

interface Inbox {
  /** Connections accepted before the dispatcher took the listener over, oldest first. */
  held: Accepted[]
  deliver: ((connection: Accepted) => void) | undefined
}

/**
 * Connections a listener accepted before the dispatcher took it over are held. The master listens
 * before the slow steps of its boot (the embedded database starts in seconds) and the dispatcher
 * attaches after them: a connection accepted in between and given to no one was held open,
 * unanswered, until the client gave up (`npm start`, then a request at once: 20 s and no answer).
 */
const inboxes = new WeakMap<Server, Inbox>()

/**
 * net.Server only binds and listens here; its handle's accept callback is taken over once it
 * listens, so an accepted connection stays a bare handle. Node documents no hook at this level:
 * `_handle.onconnection(status, clientHandle)` is the one node:cluster's own round-robin uses, the
 * same from Node 20 to 26. An accept error still goes to net.Server's own callback.
 */
function acceptor(): Server {
  const server = createServer()
  const inbox: Inbox = { held: [], deliver: undefined }
  inboxes.set(server, inbox)
  server.on('listening', () => {
    const handle = (server as Server & { _handle: { onconnection: (status: number, client?: Accepted) => void } })._handle
    const netAccept = handle.onconnection
    handle.onconnection = function (status, client) {
      if (status !== 0 || client === undefined) return netAccept.call(this, status, client)
      if (inbox.deliver) inbox.deliver(client)
      else inbox.held.push(client)
    }
  })
  return server
}

/** Take over a listener: each connection goes to `deliver`, those it accepted so far first, oldest first. */
export function takeAccepted(server: Server, deliver: (connection: Accepted) => void): void {
  const inbox = inboxes.get(server)
  if (!inbox) return
  inbox.deliver = deliver
  for (const connection of inbox.held.splice(0)) deliver(connection)
}

const listenOn = (server: Server, bind: BindAddress, backlog: number) => listening(server, () => {
  if (bind.kind === 'unix') server.listen({ path: bind.path, backlog })
  else server.listen({ host: bind.host, port: bind.port, backlog })
}, describeBind(bind))

/** Bind and listen on an address from --bind (or HOST:PORT). */
export async function bindListener(bind: BindAddress, backlog: number): Promise<Listener> {
  const server = acceptor()
  await listenOn(server, bind, backlog)
  return describe(server, 'bound')
}

/**
 * --listen-after-boot: the listener exists now (the dispatcher attaches to it) and binds when
 * open() is called, once the first workers are ready. Until then nothing listens on the address,
 * so connections are refused (a balancer tries another host) rather than queued for the boot.
 * With port 0 the label and port are the bound ones after open().
 */
export function deferredListener(bind: BindAddress, backlog: number): { listener: Listener; open(): Promise<void> } {
  const server = acceptor()
  const listener: { -readonly [K in keyof Listener]: Listener[K] } = {
    label: describeBind(bind), server, origin: 'bound',
    ...(bind.kind === 'unix' ? { path: bind.path } : bind.port !== 0 ? { port: bind.port } : {}),
  }
  return {
    listener,
    open: async () => {
      await listenOn(server, bind, backlog)
      Object.assign(listener, describe(server, 'bound'))
    },
  }
}

/**
 * A new master's inherited socket (SIGUSR2): adopted when open() is called, once its first workers
 * are ready. Until then the old master, still serving, accepts every connection from the same
 * kernel queue; a new master that accepted during its boot would hold them with no worker to take
 * them (seen: 3 requests of 2,996 waited past a client's 10 s timeout while the new master's
 * workers booted on a busy machine).
 */
export function deferredAdoption(fd: number, backlog: number, from: string): { listener: Listener; open(): Promise<void> } {
  const server = acceptor()
  const origin = `fd ${fd} from ${from}`
  const listener: { -readonly [K in keyof Listener]: Listener[K] } = { label: origin, server, origin }
  return {
    listener,
    open: async () => {
      await listening(server, () => server.listen({ fd, backlog }), origin)
      Object.assign(listener, describe(server, origin))
    },
  }
}

/** Listen on a descriptor this process inherited, already bound (and usually listening). */
export async function adoptListener(fd: number, backlog: number, from: string): Promise<Listener> {
  const server = acceptor()
  const origin = `fd ${fd} from ${from}`
  await listening(server, () => server.listen({ fd, backlog }), origin)
  return describe(server, origin)
}

/**
 * Accept on listener l again through `handle`, the master's unwatched copy of its socket (burst.ts):
 * l.server becomes a fresh net.Server listening on that copy, its connections delivered as before
 * once takeAccepted() is called on it. The copy starts being watched here, synchronously: libuv
 * accepts only in the loop's poll phase, after the next tick that installs the hook (acceptor()).
 */
export function resumeListener(l: Listener, handle: unknown, backlog: number): void {
  const server = acceptor()
  server.listen(handle as Parameters<Server['listen']>[0], backlog)
  ;(l as { server: Server }).server = server
}

/** The descriptor number, for handing the socket to a new master through spawn's stdio. */
export function descriptorOf(server: Server): number {
  // Node documents no accessor; the handle's fd is what cluster and child_process use themselves.
  const fd = (server as Server & { _handle?: { fd?: number } })._handle?.fd
  if (typeof fd !== 'number' || fd < 0) throw new Error('the listener has no descriptor (closed?)')
  return fd
}

/**
 * Stop accepting: the descriptor closes at once. Connections already handed to workers are theirs,
 * and the socket itself lives on in any other process that holds it (the next master, systemd).
 * net.Server's 'close' would wait for the workers' connections to end as well, so it is not awaited.
 */
export function closeListener(l: Listener): void {
  if (l.server.listening) l.server.close()
}

/** The app's listeners: the inherited sockets when there are any (systemd, the master before), else one per bind. */
export async function openListeners(binds: readonly BindAddress[], backlog: number, inherited: { fds: readonly number[]; from: string } | undefined): Promise<Listener[]> {
  const opened: Listener[] = []
  try {
    if (inherited && inherited.fds.length > 0) for (const fd of inherited.fds) opened.push(await adoptListener(fd, backlog, inherited.from))
    else for (const bind of binds) opened.push(await bindListener(bind, backlog))
  } catch (err) {
    for (const l of opened) closeListener(l)
    throw err
  }
  return opened
}
