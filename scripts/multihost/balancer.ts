/**
 * The balancer host: Debian's nginx inside the lb namespace, configured by the file
 * `corral deploy nginx --standalone` writes (least_conn, keep-alive to the upstreams,
 * proxy_next_upstream for idempotent methods only, passive health checks), unedited.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Network } from './netns.js'
import { start, type Proc } from './process.js'

export const LB_PORT = 8080

export interface Balancer {
  url: string
  conf: string
  proc: Proc
  /** nginx's error log so far (connect() refusals, upstreams it left out). */
  errors(): string
  stop(): Promise<void>
}

export interface BalancerOptions {
  root: string
  cli: string
  dir: string
  upstreams: string[]
  /** corral settings the upstreams run with (--keepalive, --request-timeout …): nginx's timeouts follow them. */
  settings: string[]
  maxFails?: number
  failTimeoutS?: number
}

/** Writes the config with `corral deploy nginx` and starts nginx on it. */
export async function startBalancer(net: Network, o: BalancerOptions): Promise<Balancer> {
  const prefix = join(o.dir, 'nginx')
  mkdirSync(prefix, { recursive: true })
  const conf = join(prefix, 'nginx.conf')
  const address = net.addr('lb')
  const gen = spawnSync(process.execPath, [o.cli, 'deploy', 'nginx', '--standalone', '--listen', `${address}:${LB_PORT}`,
    ...o.upstreams.flatMap((u) => ['--upstream', u]),
    '--max-fails', String(o.maxFails ?? 3), '--fail-timeout', String(o.failTimeoutS ?? 10),
    '--config', 'off', ...o.settings, '--out', conf], { cwd: o.root, encoding: 'utf8' })
  if (gen.status !== 0) throw new Error(`corral deploy nginx failed: ${gen.stderr}`)
  const proc = start('nginx', net.exec('lb', ['nginx', '-p', prefix, '-c', conf, '-g', 'daemon off;']))
  const errors = () => { try { return readFileSync(join(prefix, 'error.log'), 'utf8') } catch { return '' } }
  // nginx prints nothing when it starts: its pid file is the sign it listens (written after the bind).
  const deadline = Date.now() + 30_000
  for (;;) {
    let pid = ''
    try { pid = readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim() } catch { /* not yet */ }
    if (pid) break
    if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${proc.output()}${errors()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://${address}:${LB_PORT}`,
    conf,
    proc,
    errors,
    // SIGTERM: nginx's master stops its worker processes too.
    stop: async () => { await proc.stop('SIGTERM', 10_000) },
  }
}
