/**
 * Forward-only migrations: the .sql files of one folder, applied in name order, each once, each
 * in its own transaction, recorded with a checksum in `corral_migrations`. The master runs this
 * once at startup, before workers start.
 *
 * Safe when several processes race (two hosts starting at once): a session advisory lock orders
 * them on a real server, and each file's transaction first inserts its row with ON CONFLICT DO
 * NOTHING, so a file another process applied meanwhile is seen and skipped. On the embedded PGlite
 * (one shared session, so the advisory lock does not exclude) the transactions serialize anyway
 * and the same insert-first step decides.
 *
 * A file must not contain its own BEGIN/COMMIT, nor statements that cannot run in a transaction
 * (CREATE INDEX CONCURRENTLY, VACUUM).
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { corralError } from '../../errors.js'

export interface MigrateOptions {
  /** Where applied files are recorded (a table name, optionally schema-qualified). */
  table?: string
  /** A missing folder means nothing to do, instead of an error (for the default ./migrations). */
  optional?: boolean
}

export interface MigrateResult {
  /** Files applied by this run, in order. */
  applied: string[]
  /** Files found already applied (by an earlier run or a process racing this one). */
  skipped: string[]
}

const IDENT = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/
/** One number for every corral migrating this database; the value is arbitrary, fixed once. */
const LOCK_KEY = 0x636f7272 // 'corr'

/** Line endings are normalized so a checkout with CRLF does not read as a changed file. */
const checksum = (sql: string) => createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex')

export async function migrate(url: string, dir: string, { table = 'corral_migrations', optional = false }: MigrateOptions = {}): Promise<MigrateResult> {
  if (!IDENT.test(table)) throw corralError('CORRAL_ERR_DB_MIGRATION', table, 'not a plain table name')
  if (!existsSync(dir)) {
    if (optional) return { applied: [], skipped: [] }
    throw corralError('CORRAL_ERR_DB_MIGRATION', dir, 'no such folder')
  }
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  const files = await Promise.all(names.map(async (name) => {
    const sql = await readFile(join(dir, name), 'utf8')
    return { name, sql, sum: checksum(sql) }
  }))

  const client = new pg.Client({ connectionString: url, application_name: 'corral migrate' })
  await client.connect()
  try {
    await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${table}`)
    const recorded = new Map(rows.map((r) => [r.name, r.checksum]))
    for (const f of files) refuseChanged(f.name, recorded.get(f.name), f.sum)

    const result: MigrateResult = { applied: [], skipped: [] }
    for (const f of files) {
      if (recorded.has(f.name)) { result.skipped.push(f.name); continue }
      await client.query('BEGIN')
      try {
        const won = await client.query(
          `INSERT INTO ${table} (name, checksum) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING name`, [f.name, f.sum])
        if (won.rowCount === 0) {
          const { rows: [other] } = await client.query(`SELECT checksum FROM ${table} WHERE name = $1`, [f.name])
          refuseChanged(f.name, other?.checksum, f.sum)
          result.skipped.push(f.name)
        } else {
          await client.query(f.sql)
          result.applied.push(f.name)
        }
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        if ((err as { code?: string }).code === 'CORRAL_ERR_DB_MIGRATION') throw err
        throw Object.assign(corralError('CORRAL_ERR_DB_MIGRATION', f.name, (err as Error).message), { cause: err })
      }
    }
    return result
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(() => {})
    await client.end().catch(() => {})
  }
}

function refuseChanged(name: string, recorded: string | undefined, now: string): void {
  if (recorded !== undefined && recorded !== now) {
    throw corralError('CORRAL_ERR_DB_MIGRATION', name,
      `changed after it was applied (checksum ${recorded.slice(0, 12)}…, now ${now.slice(0, 12)}…); ` +
      'migrations are forward-only: put the change in a new file')
  }
}
