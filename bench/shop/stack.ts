/**
 * What the product scenario's servers call: the shop's services simulator (served by corral, as
 * `npm start` serves it) and a PostgreSQL with the shop's schema and catalog. Started once per
 * bench run, shared by every server under test, stopped at the end.
 *
 * The database is a fresh one on the server --database-url names (created and dropped here), or
 * an embedded PGlite in a temporary folder. Its CPU is readable only for PGlite (one process of
 * ours); a real server's backends belong to another user.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres } from '../../src/io/db/embedded.js'
import { migrate } from '../../src/io/db/migrate.js'
import { startServer, stopServer, type RunningServer } from '../server-process.js'

export interface ShopServices {
  simulator: RunningServer
  databaseUrl: string
  /** PGlite's process, when the database is embedded. */
  databasePid?: number
  env: Record<string, string>
  close(): Promise<void>
}

export async function startShopServices(o: {
  root: string; node: string; port: number; simulatorWorkers: number; databaseUrl?: string; logDir: string
  onSpawn: (pid: number) => void
}): Promise<ShopServices> {
  const cleanups: (() => Promise<void> | void)[] = []
  const close = async () => { for (const c of cleanups.reverse()) await c() }
  try {
    let databaseUrl: string
    let databasePid: number | undefined
    if (o.databaseUrl) {
      const name = `corral_bench_${process.pid}_${Date.now()}`
      const admin = new pg.Client({ connectionString: o.databaseUrl })
      await admin.connect()
      await admin.query(`CREATE DATABASE ${name}`)
      cleanups.push(async () => { await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); await admin.end() })
      const u = new URL(o.databaseUrl)
      u.pathname = `/${name}`
      databaseUrl = u.href
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'corral-bench-pg-'))
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
      const embedded = await startEmbeddedPostgres({ dataDir: dir })
      cleanups.push(() => embedded.close())
      databaseUrl = embedded.url
      databasePid = embedded.pid
    }
    await migrate(databaseUrl, join(o.root, 'examples/shop/migrations'))
    // --balance shared: the shop opens many connections at once; see examples/shop/services/spawn.ts.
    const simulator = await startServer({
      command: o.node,
      args: [join(o.root, 'dist/cli/main.js'), 'serve', join(o.root, 'examples/shop/services/app.ts'),
        '--bind', `127.0.0.1:${o.port}`, '--workers', String(o.simulatorWorkers), '--worker-connections', '100000',
        '--balance', 'shared', '--admin-bind', 'off', '--control-socket', 'off', '--config', 'off', '--migrations', 'off',
        '--access-log', 'off',
        // It stands in for remote services with fixed latencies: its own shedding would read as the
        // server under test's degraded answers.
        '--no-overload-control'],
      env: { CORRAL_LOG_LEVEL: 'warn' },
    }, { port: o.port, path: '/healthz', env: {}, logDir: o.logDir, logName: 'shop-simulator', readyTimeoutMs: 30_000, onSpawn: o.onSpawn })
    cleanups.push(() => stopServer(simulator))
    return {
      simulator, databaseUrl, databasePid, close,
      env: {
        SHOP_SERVICES_URL: `http://127.0.0.1:${o.port}`,
        DATABASE_URL: databaseUrl,
        // Each server's workers get pools of this size (corral's --db-pool-size, read by the anchors too).
        CORRAL_DB_POOL_SIZE: '8',
        SHOP_CACHE_PREFIX: `bench-${process.pid}:`,
      },
    }
  } catch (err) {
    await close()
    throw err
  }
}
