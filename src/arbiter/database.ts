/**
 * The master's part in the database: pick the server (DATABASE_URL, or the embedded PGlite when
 * the app ships migrations), apply migrations once, and size each worker's pool against the
 * server's max_connections before any worker opens one. Workers get the result as env:
 * DATABASE_URL and CORRAL_DB_POOL_SIZE, which corral/io's database() reads.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Settings } from '../config/settings/index.js'
import type { Logger } from '../logging/logger.js'
import type { EmbeddedPostgres } from '../io/db/embedded.js'

export interface Database {
  url: string
  perWorker: number
  /** What the startup log says: "embedded PGlite in .corral/data" or the server's host. */
  describe: string
  /** The master serves PGlite itself: a second master (SIGUSR2) cannot open the same data directory. */
  embedded: boolean
  env: Record<string, string>
  /** Apply migrations that appeared since (a reload runs this before it rolls). */
  migrate(): Promise<void>
  close(): Promise<void>
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+)(:[^@/]*)?@/, '//$1@')

export async function prepareDatabase(s: Settings, migrationsIsDefault: boolean, peakWorkers: number, log: Logger): Promise<Database | undefined> {
  const dir = s.migrations ? resolve(s.migrations) : undefined
  const hasMigrations = dir !== undefined && existsSync(dir)
  // No server named and nothing to migrate: this app does not use a database; start nothing.
  if (!s.databaseUrl && !hasMigrations) return undefined
  // pg and the embedded server's code load only for an app that has a database (not on hello's boot).
  const [{ startEmbeddedPostgres }, { migrate }, { planPoolSize, readServerLimits }] = await Promise.all([
    import('../io/db/embedded.js'), import('../io/db/migrate.js'), import('../io/db/sizing.js'),
  ])
  let embedded: EmbeddedPostgres | undefined
  let url = s.databaseUrl
  if (!url) {
    log.info(`Starting the embedded PostgreSQL (PGlite) in ${s.dataDir}`)
    embedded = await startEmbeddedPostgres({ dataDir: resolve(s.dataDir) })
    url = embedded.url
  }
  const runMigrations = async () => {
    if (!dir) return
    const { applied } = await migrate(url!, dir, { optional: migrationsIsDefault })
    if (applied.length) log.info({ applied }, `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}`)
  }
  try {
    await runMigrations()
    const limits = await readServerLimits(url)
    const plan = planPoolSize({ limits, workers: peakWorkers, hosts: s.dbHosts, requested: s.dbPoolSize })
    const describe = embedded ? `embedded PGlite in ${s.dataDir}` : redact(url)
    log.info(`Database: ${describe}; pools of ${plan.perWorker} per worker (${plan.total} of ${plan.allowed} connections the server allows)`)
    return {
      url, perWorker: plan.perWorker, describe, embedded: embedded !== undefined,
      env: { DATABASE_URL: url, CORRAL_DB_POOL_SIZE: String(plan.perWorker) },
      migrate: runMigrations,
      close: async () => { await embedded?.close() },
    }
  } catch (err) {
    await embedded?.close()
    throw err
  }
}
