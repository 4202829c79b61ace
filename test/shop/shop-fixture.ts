/**
 * Running the shop for a test: its database (a fresh embedded PGlite, or a fresh database on the
 * local PostgreSQL, dropped afterwards), the services simulator and the shop itself, each a real
 * `corral serve` process. Migrations are applied here before the shop starts, so the tests hold
 * whether or not the master applies them too (it does once it resolves the database: migrate()
 * then finds every file applied and skips it).
 */
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import pg from 'pg'
import { migrate } from '../../src/io/db/migrate.js'
import { startFreshEmbedded } from '../io/db/embedded-fixture.js'
import { startCorral, type Running } from '../support/corral.js'
import { DATABASE_URL } from '../support/services.js'

export const SHOP_APP = fileURLToPath(new URL('../../examples/shop/app.ts', import.meta.url))
export const SHOP_CONFIG = fileURLToPath(new URL('../../examples/shop/corral.config.ts', import.meta.url))
export const SIMULATOR_APP = fileURLToPath(new URL('../../examples/shop/services/app.ts', import.meta.url))
export const MIGRATIONS = fileURLToPath(new URL('../../examples/shop/migrations', import.meta.url))

export interface TestDatabase {
  url: string
  /** A plain client for checking what the shop wrote. */
  sql<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<R[]>
  close(): Promise<void>
}

async function withClient(url: string): Promise<Pick<TestDatabase, 'sql'> & { end(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return { sql: async (text, params) => (await client.query(text, params)).rows, end: () => client.end() }
}

/** A fresh embedded PostgreSQL (PGlite) with the shop's migrations applied. */
export async function embeddedDatabase(): Promise<TestDatabase> {
  const embedded = await startFreshEmbedded()
  await migrate(embedded.url, MIGRATIONS)
  const client = await withClient(embedded.url)
  return { url: embedded.url, sql: client.sql, close: async () => { await client.end(); await embedded.close() } }
}

let created = 0

/** A fresh database on the local PostgreSQL (corral_shop_test_<pid>_<n>), dropped by close(). */
export async function realDatabase(): Promise<TestDatabase> {
  const name = `corral_shop_test_${process.pid}_${created++}`
  const admin = await withClient(DATABASE_URL)
  await admin.sql(`DROP DATABASE IF EXISTS ${name}`)
  await admin.sql(`CREATE DATABASE ${name}`)
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  await migrate(url.href, MIGRATIONS)
  const client = await withClient(url.href)
  return {
    url: url.href,
    sql: client.sql,
    async close() {
      await client.end()
      // FORCE: a worker killed mid-test may leave a connection the server has not noticed yet.
      await admin.sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

/** The services simulator with the given SIM_* env (latencies, failure rates). */
export function startSimulator(t: TestContext | undefined, env: Record<string, string> = {}): Promise<Running> {
  return startCorral(t, SIMULATOR_APP, { args: ['--workers', '1', '--balance', 'shared', '--config', 'off', '--migrations', 'off'], env })
}

/**
 * Per-call budgets far above the simulator's latencies: tests that check what an endpoint answers,
 * not how fast, use them so a loaded 2-core machine cannot degrade a field.
 */
export const GENEROUS_BUDGETS: Record<string, string> = Object.fromEntries(
  ['PRODUCT', 'STOCK', 'PRICE', 'RECOMMENDATIONS', 'FAVORITES', 'USER', 'ORDERS', 'PRODUCTS'].map((n) => [`SHOP_TIMEOUT_${n}_MS`, '10000']))

export interface ShopOptions {
  databaseUrl: string
  /** Where all six services are (the simulator's URL, or a dead address). */
  servicesUrl: string
  workers?: number
  env?: Record<string, string>
}

/** The shop, configured as `npm start` configures it, against the given database and services. */
export function startShop(t: TestContext | undefined, o: ShopOptions): Promise<Running> {
  return startCorral(t, SHOP_APP, {
    args: ['--config', SHOP_CONFIG, '--workers', String(o.workers ?? 2)],
    env: { DATABASE_URL: o.databaseUrl, CORRAL_DB_POOL_SIZE: '4', SHOP_SERVICES_URL: o.servicesUrl, ...o.env },
    timeoutMs: 60_000,
  })
}

export interface ShopStack { db: TestDatabase; simulator: Running; shop: Running; stop(): Promise<void> }

/** A database, the simulator and the shop pointed at both; stop() takes all three down, newest first. */
export async function startShopStack(db: TestDatabase, o: { simulatorEnv?: Record<string, string> } & Partial<Omit<ShopOptions, 'databaseUrl' | 'servicesUrl'>> = {}): Promise<ShopStack> {
  const simulator = await startSimulator(undefined, o.simulatorEnv)
  const shop = await startShop(undefined, { databaseUrl: db.url, servicesUrl: simulator.url, workers: o.workers, env: o.env })
  return { db, simulator, shop, stop: async () => { await shop.stop(); await simulator.stop(); await db.close() } }
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers }
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  getJson(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })

export const put = (url: string, body: unknown) =>
  getJson(url, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
