/**
 * The PostgreSQL pool a worker's handlers use: node-postgres (`pg`) underneath (measured against
 * postgres.js in bench/micro/pg-vs-postgresjs.ts), with what pg leaves to the caller: a deadline
 * that reaches the server (`{ signal }` sends a CancelRequest, see cancel.ts), a statement timeout
 * with a client-side backstop, a health check, metrics, and closing with the worker.
 */
import pg from 'pg'
import { downstream } from '../../concurrency/pressure.js'
import { onClose } from '../lifecycle.js'
import { recordQuery, watchPool, type PoolCounts } from './metrics.js'
import { runCancellable, type CancelTarget } from './cancel.js'
import { asOutage } from './outage.js'

export interface DbOptions {
  /** postgres:// URL: a real server, or the one startEmbeddedPostgres returns. */
  url: string
  /** Most connections this pool opens (planPoolSize's perWorker). */
  size: number
  /** The `pool` label on metrics. */
  name?: string
  /** Cancel a statement that runs longer; 0 turns it off. Default 30 s. */
  statementTimeoutMs?: number
  /** Close a connection idle this long. Default 30 s. */
  idleTimeoutMs?: number
  /** Give up opening a connection, or waiting for a free one, after this long. Default 10 s. */
  connectTimeoutMs?: number
  applicationName?: string
  /** Register close() with the worker's lifecycle (default true). */
  closeWithWorker?: boolean
}

export interface QueryOptions {
  /** Aborting it cancels the query on the server and rejects with the signal's reason. */
  signal?: AbortSignal
}

export interface Queryable {
  query<R extends pg.QueryResultRow = any>(sql: string, params?: unknown[], options?: QueryOptions): Promise<pg.QueryResult<R>>
}

export interface Db extends Queryable {
  /** Run fn inside BEGIN … COMMIT on one connection; ROLLBACK when it throws or the signal aborts. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: QueryOptions): Promise<T>
  /** Health check: a round trip to the server; resolves with its time in ms, rejects if it fails or takes over timeoutMs. */
  ping(timeoutMs?: number): Promise<number>
  stats(): PoolCounts & { size: number }
  close(): Promise<void>
  readonly size: number
  readonly name: string
}

let unnamed = 0

export function createDb(options: DbOptions): Db {
  const name = options.name ?? (unnamed++ === 0 ? 'default' : `db${unnamed}`)
  const timeoutMs = options.statementTimeoutMs ?? 30_000
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  const base: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: options.applicationName ?? 'corral',
  }
  const pool = new pg.Pool({
    ...base,
    max: options.size,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    // The server enforces it too; PGlite ignores it, which the backstop in cancel.ts covers.
    ...(timeoutMs > 0 ? { statement_timeout: timeoutMs } : {}),
  })
  // An idle connection that breaks (server restart, network) is emitted here; unhandled it would
  // crash the worker. The pool drops that connection and opens a new one on demand.
  pool.on('error', (err) => recordQuery(name, 0, err))

  // Where the server is, as pg resolved it from the URL (host may be a unix socket directory).
  const probe = new pg.Client(base) as unknown as CancelTarget
  const cancelTarget: CancelTarget = { host: probe.host, port: probe.port }

  const counts = (): PoolCounts => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount })
  const unwatch = watchPool(name, counts, options.size)

  /**
   * A checked-out connection has no pool listener: if it breaks between statements (the server
   * restarted, terminated the backend, or the embedded database went away), pg emits 'error' on it
   * with nobody listening, and that would crash the worker. Each connection gets one listener of
   * ours when the pool opens it (adding and removing one per query cost more than the rest of our
   * query path); it acts only while the connection is out. The next statement on a broken one
   * fails instead, and it is destroyed rather than reused. An idle one's error is the pool's.
   */
  const out = new WeakSet<pg.PoolClient>()
  const broken = new WeakSet<pg.PoolClient>()
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (!out.has(client)) return
      broken.add(client)
      recordQuery(name, 0, err)
    })
  })

  // Downstream pressure (concurrency/pressure.ts): a held connection is in service; waiting for one
  // when every connection is out is queued in our own pool, which the worker's limit reads.
  function checkedOut(client: pg.PoolClient): pg.PoolClient {
    out.add(client)
    downstream.serving(performance.now(), 1)
    return client
  }

  function giveBack(client: pg.PoolClient, reusable: boolean): void {
    if (out.delete(client)) downstream.serving(performance.now(), -1)
    client.release(reusable && !broken.has(client) ? undefined : true)
  }

  async function acquire(signal?: AbortSignal): Promise<pg.PoolClient> {
    signal?.throwIfAborted()
    const queued = pool.idleCount === 0 && pool.totalCount >= options.size
    if (queued) downstream.wait(performance.now())
    let waiting = queued
    const waited = () => { if (waiting) { waiting = false; downstream.waited(performance.now()) } }
    if (!signal) {
      try { return checkedOut(await pool.connect()) } finally { waited() }
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => { waited(); reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      pool.connect().then((client) => {
        waited()
        signal.removeEventListener('abort', onAbort)
        // Aborted while waiting for a connection: the caller has its answer; give this one back.
        if (signal.aborted) client.release()
        else resolve(checkedOut(client))
      }, (err) => { waited(); signal.removeEventListener('abort', onAbort); reject(err) })
    })
  }

  function run<R extends pg.QueryResultRow>(client: pg.PoolClient, sql: string, params: unknown[] | undefined, signal?: AbortSignal) {
    return runCancellable<R>(client, sql, params, { signal, timeoutMs, cancelTarget })
  }

  async function timed<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      const out = await work()
      recordQuery(name, (performance.now() - started) / 1000)
      return out
    } catch (err) {
      recordQuery(name, (performance.now() - started) / 1000, err)
      throw asOutage(name, err)
    }
  }

  const db: Db = {
    name,
    size: options.size,

    query<R extends pg.QueryResultRow = any>(sql: string, params?: unknown[], { signal }: QueryOptions = {}) {
      return timed(async () => {
        const client = await acquire(signal)
        const { result, settled } = run<R>(client, sql, params, signal)
        void settled.then((reusable) => giveBack(client, reusable))
        return result
      })
    },

    async transaction<T>(fn: (tx: Queryable) => Promise<T>, { signal }: QueryOptions = {}) {
      const client = await acquire(signal).catch((err) => { throw asOutage(name, err) })
      let reusable = true
      const step = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[], s?: AbortSignal) => {
        const { result, settled } = run<R>(client, sql, params, s)
        try { return await result } finally { if (!(await settled)) reusable = false }
      }
      const tx: Queryable = {
        query: (sql, params, opts = {}) => timed(() => step(sql, params, opts.signal ?? signal)),
      }
      try {
        await step('BEGIN', undefined, signal)
        const out = await fn(tx)
        await step('COMMIT', undefined, signal)
        return out
      } catch (err) {
        if (reusable) await step('ROLLBACK').catch(() => { reusable = false })
        throw asOutage(name, err)
      } finally {
        giveBack(client, reusable)
      }
    },

    async ping(pingTimeoutMs = 2000) {
      const started = performance.now()
      await db.query('SELECT 1', undefined, { signal: AbortSignal.timeout(pingTimeoutMs) })
      return performance.now() - started
    },

    stats: () => ({ ...counts(), size: options.size }),

    async close() {
      unregister()
      unwatch()
      if (!pool.ended) await pool.end()
    },
  }
  const unregister = options.closeWithWorker === false ? () => {} : onClose(`db pool ${name}`, () => db.close())
  return db
}
