/**
 * A rolling deploy across the hosts, under load: one host at a time is taken out (SIGTERM: its
 * /readyz turns 503, it stops accepting and drains), deployed to (started again on the new
 * release: new code and config) and brought back (ready, and nginx sends it requests again,
 * seen in its access log) before the next one goes. The client never stops sending; the report
 * counts every answer it got, and checks every order it was told was placed against the database.
 *
 *   npm run build && node --import tsx scripts/multihost/rolling-deploy.ts [--hosts 3] [--concurrency 12]
 *
 * Needs root (network namespaces), nginx, PostgreSQL's server binaries and redis-server; it starts
 * private instances of each and removes everything when it ends (also on Ctrl-C).
 */
import type { Cluster } from './cluster.js'
import type { LoadReport } from './load.js'
import type { Release } from './shop-host.js'

export interface HostRoll {
  host: string
  /** SIGTERM to the old master's exit: its in-flight requests finished, its connections closed. */
  drainMs: number
  /** The new release's start to ready (/readyz 200). */
  bootMs: number
  /** Taken out to serving again through nginx (its first requests in the access log). */
  outMs: number
  oldExit: string
}

export interface RollReport {
  rolls: HostRoll[]
  load: LoadReport
  /** Orders the client was told were placed (201), and what the database holds. */
  orders: { acknowledged: number; inDatabase: number; missing: number; duplicated: number; unacknowledged: number }
}

/** Requests a host must have served after it came back before the next host is taken out. */
const BACK_IN_SERVICE = 5

export async function rollingDeploy(c: Cluster, next: Release, o: { concurrency: number; maxSeconds: number; orderEvery?: number; log?: (line: string) => void }): Promise<RollReport> {
  const log = o.log ?? (() => {})
  // Plenty of stock on the products orders buy: every order should be placed (a 409 is no failure, but proves less).
  await c.data.sql('UPDATE products SET stock = 1000000 WHERE id <= 100')
  const load = c.load({ concurrency: o.concurrency, maxSeconds: o.maxSeconds, orderEvery: o.orderEvery ?? 5, products: [1, 1000], orderProducts: [1, 100] })
  const rolls: HostRoll[] = []
  try {
    // Load first reaches every host, so each is taken out with requests in flight and connections open.
    await until(() => c.hosts.every((h) => h.served() >= BACK_IN_SERVICE), 'every host serving before the roll', o.maxSeconds * 1000, load)
    for (let i = 0; i < c.hosts.length; i++) {
      const old = c.hosts[i]
      const out = performance.now()
      log(`${old.role}: taking out (${old.release.name}, served ${old.served()})`)
      const exit = await old.proc.stop('SIGTERM', 60_000)
      const drained = performance.now()
      log(`${old.role}: drained in ${Math.round(drained - out)} ms (${exit.code ?? exit.signal}); deploying ${next.name}`)
      const fresh = await c.restartHost(i, next)
      const booted = performance.now()
      await until(() => fresh.served() >= BACK_IN_SERVICE, `${fresh.role} serving again through nginx`, 180_000, load)
      const back = performance.now()
      log(`${fresh.role}: ${next.name} ready in ${Math.round(booted - drained)} ms, back in service ${Math.round(back - out)} ms after it went out`)
      rolls.push({ host: old.role, drainMs: Math.round(drained - out), bootMs: Math.round(booted - drained), outMs: Math.round(back - out), oldExit: String(exit.code ?? exit.signal) })
    }
  } finally {
    load.stop()
  }
  const report = await load.done
  const acked = report.orders.map((x) => x.key)
  const rows = await c.data.sql<{ idempotency_key: string; n: string }>('SELECT idempotency_key, count(*) AS n FROM orders GROUP BY idempotency_key')
  const held = new Map(rows.map((r) => [r.idempotency_key, Number(r.n)]))
  const ackedSet = new Set(acked)
  return {
    rolls,
    load: report,
    orders: {
      acknowledged: acked.length,
      inDatabase: [...held.values()].reduce((a, b) => a + b, 0),
      missing: acked.filter((k) => !held.has(k)).length,
      duplicated: [...held.values()].filter((n) => n > 1).length,
      // Placed, but the client never heard: only a failed answer can leave one.
      unacknowledged: [...held.keys()].filter((k) => !ackedSet.has(k)).length,
    },
  }
}

/** Polls `ok` (evidence from the servers' own logs) until it holds; fails after timeoutMs or if the load ends first. */
async function until(ok: () => boolean, what: string, timeoutMs: number, load: { proc: { child: { exitCode: number | null } } }): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!ok()) {
    if (load.proc.child.exitCode !== null) throw new Error(`the load ended before ${what}`)
    if (performance.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export function formatRoll(r: RollReport): string {
  const l = r.load
  return [
    `requests: ${l.total} answered in ${l.seconds.toFixed(1)} s, ${l.ok} ok, ${l.failed} failed, ${l.refused} refused (409)` +
      ` · by release ${Object.entries(l.byRelease).map(([k, v]) => `${k} ${v}`).join(', ')} · p50 ${l.latency.p50} ms, p99 ${l.latency.p99} ms`,
    ...r.rolls.map((h) => `${h.host}: drained ${h.drainMs} ms (exit ${h.oldExit}), new release ready ${h.bootMs} ms, out of service ${h.outMs} ms`),
    `orders: ${r.orders.acknowledged} acknowledged, ${r.orders.inDatabase} in the database, ${r.orders.missing} missing, ${r.orders.duplicated} doubled, ${r.orders.unacknowledged} placed without an answer`,
    ...l.failures.map((f) => `failed: ${f.method} ${f.path} at ${f.at} ms: ${f.what.replace(/\s+/g, ' ').slice(0, 160)}`),
  ].join('\n')
}

/** The shop's per-call budgets far above its services' latencies: on a shared machine a late answer is no failed request. */
export const GENEROUS_BUDGETS: Record<string, string> = Object.fromEntries(
  ['PRODUCT', 'STOCK', 'PRICE', 'RECOMMENDATIONS', 'FAVORITES', 'USER', 'ORDERS', 'PRODUCTS'].map((n) => [`SHOP_TIMEOUT_${n}_MS`, '10000']))

/**
 * The hosts' settings for a rolling deploy: --keepalive 2 s (nginx's keepalive_timeout, derived from
 * it, is 1 s), so a drained host's idle connections are closed by nginx within a second;
 * --listen-after-boot, so a host being deployed to refuses nginx's connections until its workers
 * are ready, rather than holding them queued for its whole boot (seen: tens of seconds on a busy machine).
 */
export const ROLLING_HOST_ARGS = ['--workers', '1', '--keepalive', '2', '--listen-after-boot']

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { parseArgs } = await import('node:util')
  const { startCluster } = await import('./cluster.js')
  const { values } = parseArgs({ options: { hosts: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '12' }, 'max-seconds': { type: 'string', default: '300' } } })
  const began = performance.now()
  const cluster = await startCluster({
    hosts: Number(values.hosts), first: { name: 'v1' }, hostArgs: ROLLING_HOST_ARGS, hostEnv: GENEROUS_BUDGETS, maxFails: 3, failTimeoutS: 1,
  })
  try {
    console.log(`${cluster.hosts.length} hosts up in ${Math.round(performance.now() - began)} ms (nginx ${cluster.balancer.url}, database, Redis and services on ${cluster.net.addr('data')})`)
    const report = await rollingDeploy(cluster, { name: 'v2', env: { SHOP_STOCK_TTL_MS: '1000' } }, {
      concurrency: Number(values.concurrency), maxSeconds: Number(values['max-seconds']), log: (l) => console.log(l),
    })
    console.log(formatRoll(report))
    process.exitCode = report.load.failed === 0 && report.orders.missing === 0 && report.orders.duplicated === 0 ? 0 : 1
  } finally {
    await cluster.down()
  }
}
