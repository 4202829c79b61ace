/**
 * PGlite (PostgreSQL compiled to WASM) with its data in a folder, served on a local socket
 * (embedded-wire.ts) so that any process reaches it with a normal postgres:// URL.
 *
 * What to know about it (measured with pglite 0.5.14):
 * - There is one backend. The socket server gives it to one connection at a time, for a whole
 *   statement and for a whole transaction; a transaction open on one connection makes the others
 *   wait until it ends. Isolation holds, throughput does not grow with connections: keep pools
 *   small and transactions short.
 * - Session state is shared by every connection (SET, session advisory locks), and the startup
 *   packet's parameters (statement_timeout) are ignored.
 * - A running statement cannot be interrupted: CancelRequest and statement_timeout do nothing, and
 *   while it runs the hosting event loop is blocked. That is why it runs in a process of its own.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { corralError } from '../../errors.js'
import { EMBEDDED_MAX_CONNECTIONS } from './embedded-limits.js'
import { serveWire } from './embedded-wire.js'

export interface EmbeddedServer {
  url: string
  close(): Promise<void>
}

/** Linux caps unix socket paths at 108 bytes; past that the server listens on 127.0.0.1 instead. */
const MAX_SOCKET_PATH = 100
const SOCKET_PORT = 5432

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Two PGlites on one data folder would corrupt it: a pid file says who holds it. */
function claim(dir: string): () => void {
  const pidFile = join(dir, 'corral-embedded.pid')
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'))
    if (pid !== process.pid && Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw corralError('CORRAL_ERR_DB_EMBEDDED', dir, `in use by process ${pid} (another corral?)`)
    }
  }
  writeFileSync(pidFile, String(process.pid))
  return () => rmSync(pidFile, { force: true })
}

/** `port`: the loopback port when the socket path is too long (0: any); a restart passes the one it had. */
export async function serveEmbedded(dataDir: string, port = 0): Promise<EmbeddedServer> {
  const dir = resolve(dataDir)
  mkdirSync(dir, { recursive: true })
  const release = claim(dir)
  let db: PGlite | undefined
  try {
    db = await PGlite.create({ dataDir: join(dir, 'pgdata') })
    const socketPath = join(dir, `.s.PGSQL.${SOCKET_PORT}`)
    const useSocket = socketPath.length <= MAX_SOCKET_PATH
    // A socket file left by a process that was killed; the pid file check above says it is ours to take.
    if (useSocket) rmSync(socketPath, { force: true })
    const server = await serveWire({
      db, maxConnections: EMBEDDED_MAX_CONNECTIONS,
      listen: useSocket ? { path: socketPath } : { host: '127.0.0.1', port },
    })
    const url = useSocket
      ? `postgres://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(dir)}`
      : `postgres://postgres@${server.address}/postgres`
    const pglite = db
    return {
      url,
      async close() {
        await server.stop()
        await pglite.close()
        if (useSocket) rmSync(socketPath, { force: true })
        release()
      },
    }
  } catch (err) {
    await db?.close().catch(() => {})
    release()
    if ((err as { code?: string }).code === 'CORRAL_ERR_DB_EMBEDDED') throw err
    throw corralError('CORRAL_ERR_DB_EMBEDDED', dir, (err as Error).message)
  }
}
