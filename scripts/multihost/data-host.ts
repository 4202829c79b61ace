/**
 * The data host: one PostgreSQL and one Redis that every shop host shares, and the shop's upstream
 * services (the simulator), all private to this run: started inside the data namespace, listening
 * on its address only, with their files in the run's folder. The shared 5432/6379 servers of the
 * machine are never touched.
 *
 * PostgreSQL and Redis also listen on unix sockets in the run's folder: the harness (outside the
 * namespaces) reads the database through that socket, to check what the hosts wrote.
 */
import { chownSync, existsSync, mkdirSync, appendFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { migrate } from '../../src/io/db/migrate.js'
import type { Network } from './netns.js'
import { start, type Proc } from './process.js'

const PG_BIN = process.env.CORRAL_PG_BIN ?? '/usr/lib/postgresql/15/bin'
export const PG_PORT = 5432
export const REDIS_PORT = 6379
export const SERVICES_PORT = 9100

export interface DataHost {
  /** For the shop hosts (inside the network). */
  databaseUrl: string
  redisUrl: string
  servicesUrl: string
  /** A client for the harness, through PostgreSQL's unix socket. */
  sql<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<R[]>
  procs: Proc[]
  stop(): Promise<void>
}

/** Why this machine cannot run the data host, or undefined. */
export function cannotRunDataHost(): string | undefined {
  if (!existsSync(join(PG_BIN, 'postgres'))) return `no PostgreSQL server binaries in ${PG_BIN} (apt-get install postgresql, or set CORRAL_PG_BIN)`
  if (spawnSync('redis-server', ['--version']).error) return 'redis-server is not installed (apt-get install redis-server)'
  return undefined
}

// PostgreSQL refuses to run as root: its files and process belong to the postgres user.
const asPostgres = (cmd: string[]) => ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...cmd]

export async function startDataHost(net: Network, o: { dir: string; root: string; cli: string; migrations: string; simulatorEnv?: Record<string, string> }): Promise<DataHost> {
  const procs: Proc[] = []
  const client = { current: undefined as pg.Client | undefined }
  const stop = async () => {
    await client.current?.end().catch(() => {})
    // Fast shutdowns: the data dies with the run (PostgreSQL's "fast" is SIGINT).
    await Promise.all(procs.reverse().map((p) => p.stop(p.name === 'postgres' ? 'SIGINT' : 'SIGTERM', 10_000)))
  }
  try {
    const addr = net.addr('data')
    const pgDir = join(o.dir, 'pg')
    const sock = join(o.dir, 'pg-sock')
    mkdirSync(pgDir, { recursive: true })
    mkdirSync(sock, { recursive: true })
    chownSync(pgDir, uid('postgres'), gid('postgres'))
    chownSync(sock, uid('postgres'), gid('postgres'))
    const [cmd, ...args] = asPostgres([join(PG_BIN, 'initdb'), '-D', pgDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
    const init = spawnSync(cmd, args, { encoding: 'utf8' })
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`)
    // Trust on the private network only; no password exists to leak, nothing outside can reach it.
    appendFileSync(join(pgDir, 'pg_hba.conf'), `host all all ${addr.replace(/\.\d+$/, '.0')}/24 trust\n`)
    const postgres = start('postgres', net.exec('data', asPostgres([join(PG_BIN, 'postgres'), '-D', pgDir, '-p', String(PG_PORT),
      '-c', `listen_addresses=${addr}`, '-c', `unix_socket_directories=${sock}`, '-c', 'max_connections=200',
      // Durability is not under test here and the machine is shared: no fsync.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])))
    procs.push(postgres)
    await postgres.waitFor(/database system is ready to accept connections/, 60_000)
    const admin = new pg.Client({ host: sock, port: PG_PORT, user: 'postgres', database: 'postgres' })
    await admin.connect()
    await admin.query('CREATE DATABASE shop')
    await admin.end()
    await migrate(`postgresql://postgres@localhost/shop?host=${encodeURIComponent(sock)}&port=${PG_PORT}`, o.migrations)
    client.current = new pg.Client({ host: sock, port: PG_PORT, user: 'postgres', database: 'shop' })
    await client.current.connect()

    const redis = start('redis', net.exec('data', ['redis-server', '--bind', addr, '--port', String(REDIS_PORT),
      '--unixsocket', join(o.dir, 'redis.sock'), '--save', '', '--appendonly', 'no', '--protected-mode', 'no']))
    procs.push(redis)
    await redis.waitFor(/Ready to accept connections/, 30_000)

    // --balance shared: the shop hosts open many connections to it at once (examples/shop/services/spawn.ts).
    const simulator = start('simulator', net.exec('data', [process.execPath, o.cli, 'serve', join(o.root, 'examples/shop/services/app.ts'),
      '--bind', `${addr}:${SERVICES_PORT}`, '--workers', '1', '--worker-connections', '100000', '--balance', 'shared',
      '--admin-bind', 'off', '--control-socket', 'off', '--config', 'off', '--migrations', 'off', '--access-log', 'off']),
    { cwd: o.root, env: { CORRAL_LOG_LEVEL: 'info', ...o.simulatorEnv } })
    procs.push(simulator)
    await simulator.waitFor(/Listening at: /, 60_000)

    const db = client.current
    return {
      databaseUrl: `postgres://postgres@${addr}:${PG_PORT}/shop`,
      redisUrl: `redis://${addr}:${REDIS_PORT}`,
      servicesUrl: `http://${addr}:${SERVICES_PORT}`,
      sql: async (text, params) => (await db.query(text, params)).rows,
      procs,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

function uid(user: string): number { return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim()) }
function gid(user: string): number { return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim()) }
