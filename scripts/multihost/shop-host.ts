/**
 * A shop host: `corral serve` of one release of the shop inside the host's namespace, on its
 * address, against the shared database, Redis and services. Its admin port is a unix socket in the
 * run's folder, so the harness (outside the namespaces) reads /readyz and /metrics without any
 * network path into them.
 *
 * Taking a host out is corral's own graceful stop (SIGTERM): /readyz turns 503 at once, the master
 * takes what waits in the listen queue and closes the socket, so nginx's next connection is refused
 * and goes to another host (refused before anything was sent: safe for a POST too); requests in
 * flight finish, and keep-alive connections from nginx are not cut under it: each gets one more
 * answer with `Connection: close`, or nginx closes it idle first (its keepalive_timeout is under
 * corral's --keepalive). docs/deploy.md, "Rolling deploys".
 */
import { join } from 'node:path'
import { get } from 'node:http'
import type { Network } from './netns.js'
import { start, type Proc } from './process.js'

export const SHOP_PORT = 8000

export interface Release {
  /** What MH_RELEASE says, and X-Release answers. */
  name: string
  /** corral settings of this release (after the harness's own). */
  args?: string[]
  env?: Record<string, string>
}

export interface ShopHost {
  role: string
  address: string
  release: Release
  proc: Proc
  adminSocket: string
  /** GET on the admin socket. */
  admin(path: string): Promise<{ status: number; body: string }>
  /** The access log lines so far (requests this process served). */
  served(): number
}

export interface HostEnv {
  root: string
  cli: string
  dir: string
  databaseUrl: string
  redisUrl: string
  servicesUrl: string
  /** The balancer's address: corral trusts its X-Forwarded-* headers. */
  proxyAddress: string
  /** Settings every release gets (workers, caps). */
  args: string[]
  env: Record<string, string>
}

export async function startShopHost(net: Network, role: string, release: Release, h: HostEnv, bootTimeoutMs = 180_000): Promise<ShopHost> {
  const address = net.addr(role)
  const adminSocket = join(h.dir, `${role}-admin.sock`)
  const proc = start(`${role} (${release.name})`, net.exec(role, [process.execPath, h.cli, 'serve', join(h.root, 'scripts/multihost/release-app.ts'),
    '--config', join(h.root, 'examples/shop/corral.config.ts'),
    '--bind', `${address}:${SHOP_PORT}`, '--admin-bind', `unix:${adminSocket}`, '--control-socket', 'off',
    '--forwarded-allow-ips', h.proxyAddress, '--access-log', '-',
    // Three hosts and their database share this machine's cores: a worker may boot slowly.
    '--boot-timeout', `${Math.ceil(bootTimeoutMs / 1000)}s`,
    ...h.args, ...(release.args ?? [])]), {
    cwd: h.root,
    env: {
      CORRAL_LOG_LEVEL: 'info',
      DATABASE_URL: h.databaseUrl,
      REDIS_URL: h.redisUrl,
      SHOP_SERVICES_URL: h.servicesUrl,
      SHOP_CACHE_PREFIX: 'multihost:',
      MH_RELEASE: release.name,
      ...h.env,
      ...release.env,
    },
  })
  // A fresh connection each time (no agent): nothing is left open when the host goes away.
  const admin = (path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    get({ socketPath: adminSocket, path, agent: false, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d) => { body += d }).on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject).on('timeout', function (this: import('node:http').ClientRequest) { this.destroy(new Error('admin request timed out')) })
  })
  try {
    await proc.waitFor(/Listening at: /, bootTimeoutMs)
    // The master says ready once its workers are (the shop's `ready` waits for the database).
    await untilReady(admin, bootTimeoutMs)
  } catch (err) {
    await proc.stop('SIGKILL')
    throw err
  }
  // Gunicorn's access format quotes the request line: one per request served.
  return { role, address, release, proc, adminSocket, admin, served: () => proc.count(/"(GET|POST|PUT|HEAD) \/api\//) }
}

async function untilReady(admin: ShopHost['admin'], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    const r = await admin('/readyz').catch((err: Error) => ({ status: 0, body: err.message }))
    if (r.status === 200) return
    last = `${r.status} ${r.body.trim()}`
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new Error(`/readyz not 200 within ${timeoutMs} ms (last: ${last})`)
}
