/**
 * `npm start`: the shop with everything it needs on a fresh machine.
 *
 * - database: DATABASE_URL when set; otherwise the master runs the embedded PostgreSQL (PGlite)
 *   with its data in .corral/data. Either way the master applies ./migrations once at startup.
 * - cache: in-process; REDIS_URL adds Redis behind it (see backends.ts).
 * - services: the simulator (services/app.ts), started here on its own port and stopped on exit,
 *   for each service SHOP_<NAME>_URL (or SHOP_SERVICES_URL) does not point elsewhere.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig, type ServerView } from 'corral'
import { startSimulator, type Simulator } from './services/spawn.js'
import { upstreamNames, urlVar } from './settings.js'

let simulator: Simulator | undefined

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')

function describeBackends(server: ServerView): string[] {
  const s = server.settings as { databaseUrl?: string | null; dataDir?: string }
  // The user's choice as the master read it at startup (flag, env or file), before any hook ran.
  const db = s.databaseUrl
  const where = (n: (typeof upstreamNames)[number]) => process.env[urlVar(n)] || process.env.SHOP_SERVICES_URL || ''
  const real = upstreamNames.filter((n) => where(n) !== simulator?.url)
  const services = [
    ...(simulator ? [`simulated at ${simulator.url}${real.length ? ` (${upstreamNames.length - real.length} of ${upstreamNames.length})` : ''}`] : []),
    ...(real.length ? [`real: ${real.map((n) => `${n} ${redact(where(n))}`).join(', ')}`] : []),
  ]
  return [
    `database: ${db ? `PostgreSQL at ${redact(db)}` : `embedded PostgreSQL (PGlite), data in ${s.dataDir ?? '.corral/data'}`}`,
    `cache: ${process.env.REDIS_URL ? `memory in front of Redis at ${redact(process.env.REDIS_URL)}` : 'in-process memory (set REDIS_URL for Redis)'}`,
    `services: ${services.join('; ')}`,
  ]
}

export default defineConfig({
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),

  async onStarting() {
    const missing = upstreamNames.filter((n) => !process.env[urlVar(n)] && !process.env.SHOP_SERVICES_URL)
    if (missing.length === 0) return
    simulator = await startSimulator({
      port: Number(process.env.SHOP_SERVICES_PORT ?? 0),
      workers: Number(process.env.SHOP_SERVICES_WORKERS ?? 1),
    })
    // Workers are forked after this hook and inherit the master's env.
    for (const n of missing) process.env[urlVar(n)] = simulator.url
  },

  whenReady(server) {
    const s = server.settings as { bind?: { kind: string; host?: string; port?: number; path?: string }[]; host?: string; port?: number }
    const first = s.bind?.[0]
    const where = first ? (first.kind === 'unix' ? `unix:${first.path}` : `http://${first.host}:${first.port}`) : `http://${s.host}:${s.port}`
    console.log([`Shop ready at ${where}/api/products/1`, ...describeBackends(server).map((l) => `  ${l}`)].join('\n'))
  },

  async onExit() {
    await simulator?.stop()
  },
})
