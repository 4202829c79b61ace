/**
 * PGlite's one backend served to many socket clients, one client at a time per protocol unit.
 *
 * PGlite has a single session: the unnamed prepared statement and portal, the transaction block
 * and the error state are shared by whoever sends the next message. PostgreSQL's wire protocol
 * keeps that state from a client's first message until the ReadyForQuery that ends its unit (a
 * simple Query, or Parse/Bind/Describe/Execute up to Sync), and across units while a transaction
 * block is open. So a client holds the backend from its first message until a unit ends outside a
 * transaction block; the others wait their turn, in arrival order.
 *
 * Why not @electric-sql/pglite-socket (0.2.17, the latest): it schedules single messages and keeps
 * a client's turn only while a transaction block is open. Messages that queued behind a
 * transaction run back to back once it commits, so one client's Bind meets another's Parse or
 * simple Query: "portal "" does not exist", "unnamed prepared statement does not exist", or rows
 * of another client's statement (seen: 25 of 25 parameterized queries queued behind a
 * transaction failed or returned wrong rows; the shop's order transaction gave 500s and timeouts).
 * Upstream: electric-sql/pglite issue #1046 and pull request #977, both open. It also stops
 * serving for good when one execution throws (its queue stays marked busy); here the client whose
 * message threw is cut and the backend reset, and the others carry on.
 *
 * Wire format (PostgreSQL protocol 3.0): an untyped first message (int32 length, int32 code: the
 * startup packet, or an SSL/GSSAPI/cancel request), then typed messages (a byte, int32 length).
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
/** A Sync message: ends an extended-query unit a client left half done when it went away. */
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4)

/** A simple Query message (PGlite's exec() would wait for the lock runExclusive already holds). */
function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`)
  const head = Buffer.alloc(5)
  head.write('Q', 0)
  head.writeInt32BE(4 + text.length, 1)
  return new Uint8Array(Buffer.concat([head, text]))
}
const ROLLBACK = simpleQuery('ROLLBACK')
/** Messages after which the backend sends ReadyForQuery: the end of a unit. */
const ENDS_UNIT = new Set(['S', 'Q', 'F', 'startup'])

export interface WireOptions {
  db: PGlite
  /** Listen on this unix socket path, or on host:port (port 0: the kernel picks). */
  listen: { path: string } | { host: string; port: number }
  maxConnections: number
}

export interface WireServer {
  /** The socket path, or host:port. */
  address: string
  stop(): Promise<void>
}

class Client {
  buffer = Buffer.alloc(0)
  started = false
  /** ReadyForQuery messages the client is owed: one for each unit-ending message run for it. */
  owedReady = 0
  /** Of PGlite's answer to it: a message header split across two chunks, and the bytes still to come of the message under way (dropped when it is a surplus ReadyForQuery). */
  outHead: Buffer = Buffer.alloc(0)
  outLeft = 0
  outDrop = false
  /** Complete messages not yet run, with their type ('startup' for the startup packet). */
  readonly pending: { type: string; bytes: Uint8Array }[] = []
  closed = false
  constructor(readonly socket: Socket) {}
}

/**
 * `data` less any ReadyForQuery the client is not owed. PGlite (0.5.14) now and then sends a second
 * ReadyForQuery for one simple Query, after the first, through the same callback (seen in
 * `test/io/db/migrate.contract.ts`'s two racing migrations: a SELECT answered TDCZ, then Z). A
 * client that gets it takes its next query as answered before any of the answer arrives, and the
 * real answer then fails it ("Received unexpected rowDescription message from backend"). The
 * protocol gives exactly one per unit-ending message (Query, Sync, FunctionCall, startup), so the
 * rest are dropped.
 */
function withoutSurplusReady(c: Client, data: Uint8Array): Buffer {
  let buf = Buffer.from(data)
  if (c.outHead.length) { buf = Buffer.concat([c.outHead, buf]); c.outHead = Buffer.alloc(0) }
  const parts: Buffer[] = []
  for (let i = 0; i < buf.length;) {
    if (c.outLeft > 0) {
      const n = Math.min(c.outLeft, buf.length - i)
      if (!c.outDrop) parts.push(buf.subarray(i, i + n))
      c.outLeft -= n
      i += n
      continue
    }
    // A chunk may end inside a message's header: keep it for the next one.
    if (buf.length - i < 5) { c.outHead = Buffer.from(buf.subarray(i)); break }
    c.outLeft = 1 + buf.readInt32BE(i + 1)
    c.outDrop = false
    if (buf[i] === 0x5a /* Z */) {
      if (c.owedReady > 0) c.owedReady--
      else c.outDrop = true
    }
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}

/** An ErrorResponse, for a client refused before it reaches PGlite. */
function errorResponse(sqlstate: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`)
  const head = Buffer.alloc(5)
  head.write('E', 0)
  head.writeInt32BE(4 + fields.length, 1)
  return Buffer.concat([head, fields])
}

export async function serveWire({ db, listen, maxConnections }: WireOptions): Promise<WireServer> {
  const clients = new Set<Client>()
  /** The client whose unit (or transaction block) the backend is in, if any. */
  let owner: Client | undefined
  const waiting: Client[] = []
  let running = false
  let stopped = false

  /** Split what arrived into messages; answer the untyped requests that never reach PGlite. */
  function frame(c: Client): void {
    for (;;) {
      if (!c.started) {
        if (c.buffer.length < 8) return
        const length = c.buffer.readInt32BE(0)
        const code = c.buffer.readInt32BE(4)
        if (c.buffer.length < length) return
        const bytes = c.buffer.subarray(0, length)
        c.buffer = c.buffer.subarray(length)
        // No TLS on a local socket: 'N' tells the client to go on in the clear.
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) { c.socket.write('N'); continue }
        // PGlite cannot interrupt a running statement; the request needs no answer.
        if (code === CANCEL_REQUEST) { c.socket.end(); return }
        c.started = true
        c.pending.push({ type: 'startup', bytes: new Uint8Array(bytes) })
        continue
      }
      if (c.buffer.length < 5) return
      const length = 1 + c.buffer.readInt32BE(1)
      if (c.buffer.length < length) return
      c.pending.push({ type: String.fromCharCode(c.buffer[0]!), bytes: new Uint8Array(c.buffer.subarray(0, length)) })
      c.buffer = c.buffer.subarray(length)
    }
  }

  function want(c: Client): void {
    if (c.pending.length === 0 || c.closed) return
    if (owner !== c && !waiting.includes(c)) waiting.push(c)
    void pump()
  }

  /** Put the backend back as a fresh client finds it, after its owner left mid-unit or mid-transaction. */
  async function reset(): Promise<void> {
    await db.runExclusive(async () => {
      await db.execProtocolRaw(SYNC)
      if (db.isInTransaction()) await db.execProtocolRaw(ROLLBACK)
    })
  }

  /** Run messages while there are any the backend may take; one pump at a time. */
  async function pump(): Promise<void> {
    if (running || stopped) return
    running = true
    try {
      while (!stopped) {
        if (owner && owner.closed) { owner = undefined; await reset().catch(() => {}) }
        if (!owner) owner = waiting.shift()
        if (!owner) return
        const c = owner
        const message = c.pending.shift()
        // The owner's unit goes on, but its next message has not arrived: everyone waits for it.
        if (!message) return
        // Terminate is the client's goodbye, not PGlite's: PGlite's session outlives every client.
        if (message.type === 'X') { c.closed = true; c.socket.end(); continue }
        if (ENDS_UNIT.has(message.type)) c.owedReady++
        try {
          await db.runExclusive(() => db.execProtocolRawStream(message.bytes, {
            onRawData: (data) => { if (!c.closed) c.socket.write(withoutSurplusReady(c, data)) },
          }))
        } catch (err) {
          c.closed = true
          c.socket.destroy(err as Error)
          continue
        }
        if (ENDS_UNIT.has(message.type) && !db.isInTransaction()) {
          owner = undefined
          // Fair turns: a client with more to run goes behind those already waiting.
          if (c.pending.length) waiting.push(c)
        }
      }
    } finally {
      running = false
    }
  }

  function drop(c: Client): void {
    if (c.closed && !clients.has(c)) return
    c.closed = true
    clients.delete(c)
    const at = waiting.indexOf(c)
    if (at !== -1) waiting.splice(at, 1)
    // The owner is reset by the pump, between two executions, never during one.
    if (owner === c) void pump()
  }

  const server: Server = createServer((socket) => {
    if (clients.size >= maxConnections) {
      socket.end(errorResponse('53300', `sorry, too many clients already (${maxConnections})`))
      return
    }
    const c = new Client(socket)
    clients.add(c)
    socket.setNoDelay(true)
    socket.on('data', (data) => {
      c.buffer = c.buffer.length ? Buffer.concat([c.buffer, data]) : data
      frame(c)
      want(c)
    })
    socket.on('error', () => drop(c))
    socket.on('close', () => drop(c))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    if ('path' in listen) server.listen(listen.path, resolve)
    else server.listen(listen.port, listen.host, resolve)
  })
  const bound = server.address()
  const address = typeof bound === 'string' ? bound : `${bound!.address}:${bound!.port}`

  return {
    address,
    async stop() {
      stopped = true
      const closing = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const c of clients) c.socket.destroy()
      await closing
      // Let a statement that is running finish before PGlite is closed under it.
      await db.runExclusive(async () => {})
    },
  }
}
