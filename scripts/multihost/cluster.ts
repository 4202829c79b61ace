/**
 * The whole multi-host setup, up and down:
 *
 *   client ─┐                      ┌─ h1  corral serve shop ─┐
 *           lb  nginx (least_conn) ┼─ h2  corral serve shop ─┼─ data  PostgreSQL · Redis · services
 *                                  └─ h3  corral serve shop ─┘
 *
 * every box a network namespace on one bridge (10.213.0.0/24), made by netns.ts and removed with
 * everything in it by down() (also on exit or interrupt). The client's load runs in the lb
 * namespace and reaches nginx over the bridge's address.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startBalancer, type Balancer, type BalancerOptions } from './balancer.js'
import { cannotRunDataHost, startDataHost, type DataHost } from './data-host.js'
import type { LoadOptions, LoadReport } from './load.js'
import { cannotMakeNamespaces, createNetwork, type Network } from './netns.js'
import { start, type Proc } from './process.js'
import { SHOP_PORT, startShopHost, type HostEnv, type Release, type ShopHost } from './shop-host.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(ROOT, 'dist/cli/main.js')
const MIGRATIONS = join(ROOT, 'examples/shop/migrations')

/** Why the harness cannot run here (not root, no ip, nginx, PostgreSQL or Redis), or undefined. */
export function cannotRunCluster(): string | undefined {
  return cannotMakeNamespaces() ?? cannotRunDataHost()
}

export interface ClusterOptions {
  hosts: number
  first: Release
  /** corral settings of every host, and what nginx's config is derived from. */
  hostArgs: string[]
  hostEnv?: Record<string, string>
  simulatorEnv?: Record<string, string>
  maxFails?: number
  failTimeoutS?: number
  /** How many of the hosts nginx sends to (default all). */
  balanced?: number
}

export interface Cluster {
  net: Network
  dir: string
  data: DataHost
  hosts: ShopHost[]
  balancer: Balancer
  hostEnv: HostEnv
  /** Starts the balancer again, sending to the first n hosts (no load may be running). */
  rebalance(n: number): Promise<void>
  /** Replaces host i's process (it must be stopped) with `release`. */
  restartHost(i: number, release: Release): Promise<ShopHost>
  /** Starts the client's load; stop() ends it early. */
  load(o: Omit<LoadOptions, 'url'>): RunningLoad
  down(): Promise<void>
}

export interface RunningLoad {
  proc: Proc
  /** Successful answers so far (from the client's progress lines). */
  progress(): { total: number; ok: number; failed: number }
  stop(): void
  done: Promise<LoadReport>
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const roles = Array.from({ length: o.hosts }, (_, i) => `h${i + 1}`)
  const net = createNetwork(['lb', 'data', ...roles], { lb: 1, data: 2 })
  const dir = mkdtempSync(join(tmpdir(), 'corral-multihost-'))
  // PostgreSQL runs as its own user and keeps its files here.
  chmodSync(dir, 0o755)
  const parts: { data?: DataHost; hosts: ShopHost[]; balancer?: Balancer } = { hosts: [] }
  const down = async () => {
    await parts.balancer?.stop().catch(() => {})
    await Promise.all(parts.hosts.map((h) => h.proc.stop('SIGTERM', 15_000)))
    await parts.data?.stop().catch(() => {})
    net.remove()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    parts.data = await startDataHost(net, { dir, root: ROOT, cli: CLI, migrations: MIGRATIONS, simulatorEnv: o.simulatorEnv })
    const data = parts.data
    const hostEnv: HostEnv = {
      root: ROOT, cli: CLI, dir,
      databaseUrl: data.databaseUrl, redisUrl: data.redisUrl, servicesUrl: data.servicesUrl,
      proxyAddress: net.addr('lb'),
      // --db-hosts: each host's pool takes its share of the one PostgreSQL's connections.
      args: ['--migrations', 'off', '--db-hosts', String(o.hosts), ...o.hostArgs],
      env: o.hostEnv ?? {},
    }
    parts.hosts = await Promise.all(roles.map((r) => startShopHost(net, r, o.first, hostEnv)))
    const balancerOptions = (n: number): BalancerOptions => ({
      root: ROOT, cli: CLI, dir,
      upstreams: roles.slice(0, n).map((r) => `${net.addr(r)}:${SHOP_PORT}`),
      settings: o.hostArgs, maxFails: o.maxFails, failTimeoutS: o.failTimeoutS,
    })
    parts.balancer = await startBalancer(net, balancerOptions(o.balanced ?? o.hosts))
    const cluster: Cluster = {
      net, dir, data, hosts: parts.hosts, balancer: parts.balancer, hostEnv,
      async rebalance(n) {
        await parts.balancer!.stop()
        parts.balancer = cluster.balancer = await startBalancer(net, balancerOptions(n))
      },
      async restartHost(i, release) {
        const h = await startShopHost(net, roles[i], release, hostEnv)
        parts.hosts[i] = h
        return h
      },
      load: (lo) => startLoad(net, { ...lo, url: parts.balancer!.url }),
      down,
    }
    return cluster
  } catch (err) {
    await down()
    throw err
  }
}

function startLoad(net: Network, o: LoadOptions): RunningLoad {
  const proc = start('load', net.exec('lb', [process.execPath, '--import', 'tsx', join(ROOT, 'scripts/multihost/load.ts'), JSON.stringify(o)]), { cwd: ROOT, stdin: true })
  const lines = () => proc.output().split('\n').filter((l) => l.startsWith('{'))
  const done = proc.exited.then(() => {
    const last = lines().map((l) => JSON.parse(l)).find((l) => l.type === 'done')
    if (!last) throw new Error(`the load client ended without a report: ${proc.output().slice(-3000)}`)
    return last as LoadReport
  })
  // Keep a rejected report from being unhandled before the caller awaits it.
  done.catch(() => {})
  return {
    proc,
    done,
    progress: () => {
      const p = lines().map((l) => JSON.parse(l)).filter((l) => l.type === 'progress').at(-1)
      return { total: p?.total ?? 0, ok: p?.ok ?? 0, failed: p?.failed ?? 0 }
    },
    stop: () => { proc.child.stdin?.end('stop\n') },
  }
}
