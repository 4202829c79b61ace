/**
 * The master's part in the database: pick the server (DATABASE_URL, or the embedded PGlite when
 * the app ships migrations), apply migrations once, and size each worker's pool against the
 * server's max_connections before any worker opens one. Workers get the result as env:
 * DATABASE_URL and CORRAL_DB_POOL_SIZE, which corral/io's database() reads.
 *
 * The embedded database's process is restarted when it dies (killed, out of memory, crashed) on
 * the same data folder and the same address, so the workers' URL stays right: while it is away
 * their queries fail as CORRAL_ERR_DB_UNAVAILABLE (503 with Retry-After), and their pools open
 * new connections once it serves again.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Settings } from '../config/settings/index.js'
import type { Logger } from '../logging/logger.js'
import type { EmbeddedPostgres } from '../io/db/embedded.js'
import { setTimeout as sleep } from 'node:timers/promises'

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
  let closing = false
  let url = s.databaseUrl
  if (!url) {
    log.info(`Starting the embedded PostgreSQL (PGlite) in ${s.dataDir}`)
    const dataDir = resolve(s.dataDir)
    embedded = await startEmbeddedPostgres({ dataDir })
    url = embedded.url
    const port = Number(new URL(url).port || 0)
    const restartOnExit = (running: EmbeddedPostgres) => running.onExit(async (how) => {
      log.error(`The embedded PostgreSQL (pid ${running.pid}) exited (${how}); restarting it on ${s.dataDir}`)
      const started = Date.now()
      // Backoff: a database that cannot open (disk full, a corrupt folder) must not spin the master.
      for (let pause = 250; !closing; pause = Math.min(pause * 2, 5000)) {
        try {
          const next = await startEmbeddedPostgres({ dataDir, port })
          if (closing) { await next.close(); return }
          embedded = next
          restartOnExit(next)
          log.info(`The embedded PostgreSQL serves again (pid ${next.pid}, ${Date.now() - started}ms after it exited)`)
          return
        } catch (err) {
          log.error({ err }, `The embedded PostgreSQL did not restart: ${(err as Error).message}; trying again in ${pause}ms`)
          await sleep(pause)
        }
      }
    })
    restartOnExit(embedded)
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
      close: async () => { closing = true; await embedded?.close() },
    }
  } catch (err) {
    closing = true
    await embedded?.close()
    throw err
  }
}
