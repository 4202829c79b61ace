/**
 * Pool sizing against the server's connection limit. Every worker on every host opens its own
 * pool, so the connections add up: size × workers × hosts. Past PostgreSQL's max_connections the
 * server answers "sorry, too many clients already" (seed 000) — under load, when it hurts most.
 * corral does the arithmetic at startup instead and refuses a configuration that cannot fit.
 */
import pg from 'pg'
import { corralError } from '../../errors.js'
import { EMBEDDED_MAX_CONNECTIONS } from './embedded-limits.js'

export interface ServerLimits {
  /** The server's max_connections (for the embedded PGlite: what its socket server accepts). */
  maxConnections: number
  /** Slots ordinary roles cannot use: superuser_reserved_connections (+ reserved_connections on PG 16+). */
  reserved: number
  /** Client connections open right now, ours excluded. Reported, not subtracted: other hosts' corral pools are among them. */
  inUse: number
  embedded: boolean
}

export interface SizingInput {
  limits: ServerLimits
  /** Worker processes that hold a pool at once on one host (count the extra one a rolling reload adds). */
  workers: number
  /** Machines running corral against this database. */
  hosts: number
  /** Per-worker size asked for, or 'auto'. */
  requested: number | 'auto'
}

export interface PoolPlan {
  perWorker: number
  /** perWorker × workers × hosts. */
  total: number
  /** What ordinary roles may open: maxConnections − reserved. */
  allowed: number
  /** Left free by 'auto' for psql, migrations and cron jobs. */
  headroom: number
}

/** 'auto' never gives a worker more than this: an async worker rarely keeps more queries in flight. */
export const AUTO_MAX_PER_WORKER = 10
/**
 * PGlite runs one statement at a time behind its socket, so more connections add no throughput,
 * and a transaction open on one makes the others wait. Two lets a worker pipeline one query
 * while it reads another's result.
 */
export const EMBEDDED_AUTO_PER_WORKER = 2

/** Connections 'auto' leaves unused: 10% of what is allowed, at least 2 (a psql session, a migration). */
export function headroomFor(allowed: number): number {
  return Math.max(2, Math.ceil(allowed * 0.1))
}

/** Pure arithmetic: each worker's pool size, or CORRAL_ERR_DB_POOL_BUDGET when it cannot fit. */
export function planPoolSize({ limits, workers, hosts, requested }: SizingInput): PoolPlan {
  const allowed = limits.maxConnections - limits.reserved
  const processes = workers * hosts
  const shape = `× ${workers} worker${workers === 1 ? '' : 's'} × ${hosts} host${hosts === 1 ? '' : 's'}`
  const limitText = limits.embedded
    ? `the embedded PostgreSQL accepts ${allowed}`
    : `the server allows ${allowed} (max_connections ${limits.maxConnections} − ${limits.reserved} reserved)`
  const advice = limits.embedded
    ? 'lower --db-pool-size or workers, or set DATABASE_URL to a real PostgreSQL'
    : 'lower --db-pool-size, workers or --db-hosts, or raise max_connections (or put PgBouncer in front)'

  if (requested !== 'auto') {
    const total = requested * processes
    if (total > allowed) {
      throw corralError('CORRAL_ERR_DB_POOL_BUDGET',
        `pool of ${requested} per worker ${shape} = ${total} connections, but ${limitText}; ${advice}`)
    }
    return { perWorker: requested, total, allowed, headroom: allowed - total }
  }

  const headroom = limits.embedded ? 0 : headroomFor(allowed)
  const cap = limits.embedded ? EMBEDDED_AUTO_PER_WORKER : AUTO_MAX_PER_WORKER
  const perWorker = Math.min(cap, Math.floor((allowed - headroom) / processes))
  if (perWorker < 1) {
    throw corralError('CORRAL_ERR_DB_POOL_BUDGET',
      `even 1 connection per worker ${shape} = ${processes} connections does not fit: ${limitText}, ` +
      `less ${headroom} kept free; ${advice}`)
  }
  return { perWorker, total: perWorker * processes, allowed, headroom }
}

const LIMITS_SQL = `
  SELECT current_setting('max_connections')::int AS max,
         current_setting('superuser_reserved_connections')::int
           + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved,
         (SELECT count(*) FROM pg_stat_activity
           WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int AS in_use,
         version() LIKE '%PGlite%' AS embedded`

/** Ask the server (one short-lived connection) for the numbers planPoolSize needs. */
export async function readServerLimits(url: string): Promise<ServerLimits> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  await client.connect()
  try {
    const { rows: [row] } = await client.query(LIMITS_SQL)
    // PGlite reports the stock max_connections of its one in-process backend; the real limit is
    // how many sockets its server accepts.
    if (row.embedded) return { maxConnections: EMBEDDED_MAX_CONNECTIONS, reserved: 0, inUse: 0, embedded: true }
    return { maxConnections: row.max, reserved: row.reserved, inUse: row.in_use, embedded: false }
  } finally {
    await client.end().catch(() => {})
  }
}
