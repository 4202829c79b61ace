/**
 * One query on a checked-out connection, made cancellable: when the caller's signal aborts or
 * the client-side deadline passes, the caller is answered at once and the server is told to stop.
 *
 * Closing the socket is not enough: PostgreSQL notices a vanished client only when it next writes,
 * so a `pg_sleep(60)` would hold its connection slot for the full minute. So we send the protocol's
 * CancelRequest (on a second short connection), then wait a moment for the
 * query to end. If it has ended, the connection is clean and goes back to the pool; if not (the
 * embedded PGlite ignores CancelRequest: it cannot interrupt a running WASM statement), the
 * connection is destroyed so nothing later queues behind the abandoned statement.
 */
import { connect } from 'node:net'
import pg from 'pg'
import { corralError } from '../../errors.js'
import { deadline, type Deadline } from '../deadlines.js'

/** How long a cancelled statement may take to end before its connection is destroyed instead. */
export const CANCEL_GRACE_MS = 1000
/** The client-side deadline trails the server's statement_timeout so the server fires first, with its own error. */
export const BACKSTOP_MS = 250

export interface RunOptions {
  signal?: AbortSignal
  /** The statement timeout, 0 for none. */
  timeoutMs: number
  /** Where to send the CancelRequest. */
  cancelTarget: CancelTarget
}

export interface Run<R extends pg.QueryResultRow> {
  result: Promise<pg.QueryResult<R>>
  /** Resolves once the connection may be released: true when it can be reused, false to destroy it. */
  settled: Promise<boolean>
}

const QUERY_CANCELED = '57014'
const CANCEL_REQUEST_CODE = 80877102

/** Where the pool's server listens: a host name or IP, or a unix socket directory. */
export interface CancelTarget { host: string; port: number }

/** An error the server sent (it has a SQLSTATE); after one the connection is still in sync and reusable. */
const fromServer = (err: unknown) => typeof (err as { code?: unknown }).code === 'string'
  && /^[0-9A-Z]{5}$/.test((err as { code: string }).code) && 'severity' in (err as object)

function mapServerTimeout(err: unknown, timeoutMs: number): unknown {
  if ((err as { code?: string }).code === QUERY_CANCELED && /statement timeout/.test((err as Error).message)) {
    return Object.assign(corralError('CORRAL_ERR_DB_TIMEOUT', timeoutMs), { cause: err })
  }
  return err
}

/**
 * The protocol's CancelRequest, written by hand: pg's own Client#cancel goes through the
 * deprecated Client#activeQuery and leaves its socket open (PGlite's server would keep it and
 * count it against its limit). The request is 16 bytes on a fresh connection, sent in the clear:
 * the server matches it by process id and secret key, before any authentication or pg_hba rule.
 */
function sendCancel(client: pg.PoolClient, target: CancelTarget): void {
  const { processID, secretKey } = client as unknown as { processID: number | null; secretKey: number | null }
  if (processID === null || secretKey === null) return
  const packet = Buffer.alloc(16)
  packet.writeInt32BE(16, 0)
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4)
  packet.writeInt32BE(processID, 8)
  packet.writeInt32BE(secretKey, 12)
  const socket = target.host.startsWith('/')
    ? connect({ path: `${target.host}/.s.PGSQL.${target.port}` })
    : connect({ host: target.host, port: target.port })
  socket.on('error', () => {})
  socket.setTimeout(CANCEL_GRACE_MS, () => socket.destroy())
  socket.end(packet)
}

export function runCancellable<R extends pg.QueryResultRow>(
  client: pg.PoolClient, text: string, values: unknown[] | undefined, { signal, timeoutMs, cancelTarget }: RunOptions,
): Run<R> {
  const running = client.query<R>(text, values)
  // Settled once: by the statement's end, or by the grace after a cancel running out, whichever is first.
  let settle!: (reusable: boolean) => void
  const settled = new Promise<boolean>((resolve) => { settle = resolve })

  if (!signal && timeoutMs <= 0) {
    running.then(() => settle(true), (err) => settle(fromServer(err)))
    return { result: running.catch((err) => { throw mapServerTimeout(err, timeoutMs) }), settled }
  }

  const result = new Promise<pg.QueryResult<R>>((resolve, reject) => {
    let stopped = false
    // The backstop shares one timer with every query of the same timeout (deadlines.ts): a query
    // is a push and a field write, not a setTimeout and a clearTimeout (most queries end in ms).
    let backstop: Deadline | undefined
    const onAbort = () => stop(signal!.reason)
    const cleanup = () => { backstop?.cancel(); signal?.removeEventListener('abort', onAbort) }
    const stop = (reason: unknown) => {
      if (stopped) return
      stopped = true
      cleanup()
      sendCancel(client, cancelTarget)
      setTimeout(() => settle(false), CANCEL_GRACE_MS).unref()
      reject(reason)
    }
    if (timeoutMs > 0) backstop = deadline(timeoutMs + BACKSTOP_MS, () => stop(corralError('CORRAL_ERR_DB_TIMEOUT', timeoutMs)))
    if (signal) {
      signal.addEventListener('abort', onAbort, { once: true })
      if (signal.aborted) onAbort()
    }
    running.then(
      (res) => { settle(true); if (!stopped) { cleanup(); resolve(res) } },
      (err) => { settle(fromServer(err)); if (!stopped) { cleanup(); reject(mapServerTimeout(err, timeoutMs)) } },
    )
  })
  return { result, settled }
}
