/**
 * The worker's one shared pool. The master resolves the database once (DATABASE_URL, or the
 * embedded PGlite it runs), sizes each worker's pool against the server's max_connections, and
 * starts workers with DATABASE_URL and CORRAL_DB_POOL_SIZE set. Handlers call database() instead
 * of createDb() so that every module in the worker shares those connections: a second pool per
 * module would break the arithmetic that keeps the total under max_connections.
 */
import { corralError } from '../../errors.js'
import { createDb, type Db } from './pool.js'

/** What a pool gets when the worker was started without CORRAL_DB_POOL_SIZE (a script, a test). */
const FALLBACK_POOL_SIZE = 5

let shared: Db | undefined

export function database(): Db {
  if (shared) return shared
  const url = process.env.DATABASE_URL
  if (!url) throw corralError('CORRAL_ERR_DB_UNSET')
  const raw = process.env.CORRAL_DB_POOL_SIZE
  const size = Number(raw || FALLBACK_POOL_SIZE)
  if (!Number.isInteger(size) || size < 1) {
    throw corralError('CORRAL_ERR_IO_OPTION', 'database()', 'CORRAL_DB_POOL_SIZE', 'a positive integer', JSON.stringify(raw))
  }
  const db = createDb({ url, size, name: 'default' })
  shared = db
  // createDb registered db.close() with the worker; a later call after close gets a fresh pool.
  const close = db.close.bind(db)
  db.close = async () => { if (shared === db) shared = undefined; await close() }
  return db
}
