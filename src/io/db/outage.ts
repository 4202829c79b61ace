/**
 * A database that cannot be reached (stopped, restarting, the embedded process gone, its
 * connection cut) is an outage, not a bug: its errors become CORRAL_ERR_DB_UNAVAILABLE (status
 * 503), so an uncaught one is answered 503 with Retry-After rather than 500, and an app branches
 * on one code instead of on pg's mix of socket errors, SQLSTATEs and message texts.
 */
import { corralError } from '../../errors.js'

/** SQLSTATE class 08 (connection exception), 53300 too_many_connections, 57P01-57P03 (shutting down, starting up). */
const UNAVAILABLE_STATE = /^(08...|53300|57P0[123])$/
/** What the socket says when nothing listens, or the peer went away. ENOENT: a unix socket file that is gone. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
/** pg raises these as plain Errors with no code (a connection that ended, a connect that timed out). */
const UNAVAILABLE_TEXT = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/

export function isUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true
  const message = (err as { message?: unknown }).message
  return typeof message === 'string' && UNAVAILABLE_TEXT.test(message)
}

/** err as the caller should see it: CORRAL_ERR_DB_UNAVAILABLE (with pg's error as `cause`) for an outage, else unchanged. */
export function asOutage(pool: string, err: unknown): unknown {
  if (!isUnavailable(err)) return err
  return Object.assign(corralError('CORRAL_ERR_DB_UNAVAILABLE', pool, (err as Error).message), { cause: err })
}
