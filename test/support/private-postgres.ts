/**
 * A PostgreSQL server of the test's own: initdb into a temp folder, listening on a free loopback
 * port, so a test can stop and restart it (an outage) without touching the shared server on 5432.
 * Durability is not under test and the machine is shared: fsync is off.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { freePort } from '../../src/net/free-port.js'

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string
  /** Fast shutdown (SIGINT: open transactions roll back, clients are disconnected), waited for. */
  stop(): Promise<void>
  /** Start it again on the same folder and port; resolves once it accepts connections. */
  start(): Promise<void>
}

const bin = (): string | undefined => {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a))
  return versions.length ? join(root, versions[0]!, 'bin') : undefined
}

// PostgreSQL refuses to run as root: its files and processes belong to the postgres user.
const asPostgres = (cmd: string[]) => process.getuid?.() === 0 ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...cmd] : cmd
const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim())

/** Starts one, or skips `t` when the server binaries are not installed (fails under CORRAL_REQUIRE_SERVICES=1). */
export async function privatePostgres(t: TestContext): Promise<PrivatePostgres | undefined> {
  const dir = bin()
  if (!dir) {
    const reason = 'no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)'
    if (process.env.CORRAL_REQUIRE_SERVICES === '1') throw new Error(`${reason} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`)
    t.skip(reason)
    return undefined
  }
  const data = mkdtempSync(join(tmpdir(), 'corral-private-pg-'))
  if (process.getuid?.() === 0) chownSync(data, id('-u'), id('-g'))
  const [cmd, ...args] = asPostgres([join(dir, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const init = spawnSync(cmd!, args, { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`)
  const port = await freePort()
  let child: ChildProcess | undefined

  const start = async () => {
    const [c, ...a] = asPostgres([join(dir, 'postgres'), '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${data}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
    const proc = spawn(c!, a, { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    let log = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`private postgres not ready in 60s: ${log}`)), 60_000)
      proc.stderr!.on('data', (d) => {
        log += d
        if (/database system is ready to accept connections/.test(log)) { clearTimeout(timer); resolve() }
      })
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`private postgres exited ${code}: ${log}`)) })
    })
    proc.stderr!.resume()
  }
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGINT')
    await exited
  }
  await start()
  t.after(async () => {
    await stop()
    rmSync(data, { recursive: true, force: true })
  })
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, start }
}
