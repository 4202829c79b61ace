/**
 * The embedded default: with no DATABASE_URL, the master starts PGlite with its data in
 * `dataDir` and serves it on a local socket; workers reach it with the same pool code as a real
 * server. PGlite runs in a child process the master owns, not in the master itself: a long
 * statement blocks PGlite's event loop, and the master's loop must stay free to watch heartbeats.
 * See embedded-server.ts for what PGlite behind a socket can and cannot do.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { corralError } from '../../errors.js'
import { EMBEDDED_MAX_CONNECTIONS } from './embedded-limits.js'
import type { EmbeddedMessage } from './embedded-process.js'

export { EMBEDDED_MAX_CONNECTIONS }

export interface EmbeddedOptions {
  /** The folder for the data (created if missing; survives restarts). */
  dataDir: string
  /** How long to wait for PGlite to open (a first start runs initdb: ~10 s on a small machine). */
  startTimeoutMs?: number
  /** The loopback port, when the folder's path is too long for a unix socket (0: any free one). */
  port?: number
}

export interface EmbeddedPostgres {
  /** A postgres:// URL for createDb, migrate and the queue. */
  url: string
  /** The process serving it. */
  pid: number
  /** Stop serving and close PGlite cleanly (its data is flushed). */
  close(): Promise<void>
  /** Called once if the process exits without close() (killed, crashed), with the exit code or signal. */
  onExit(listener: (how: string) => void): void
}

const here = import.meta.url
const entry = new URL(here.endsWith('.ts') ? './embedded-process.ts' : './embedded-process.js', here)

/**
 * Only the flags that load code (tsx's --import, --require, --loader) pass to the child: the
 * parent's others would make it something else (-e would rerun the parent's script, --test a test runner).
 */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!
    if (/^--(import|require|loader|experimental-loader)=/.test(arg)) out.push(arg)
    else if (/^(--import|--require|-r|--loader|--experimental-loader)$/.test(arg) && i + 1 < execArgv.length) out.push(arg, execArgv[++i]!)
  }
  return out
}

export async function startEmbeddedPostgres({ dataDir, startTimeoutMs = 60_000, port = 0 }: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const child = fork(entry, [dataDir, String(port)], {
    execArgv: loaderFlags(process.execArgv),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'json',
  })
  const exited = once(child, 'exit')
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${startTimeoutMs}ms`)), startTimeoutMs)
    child.on('message', (msg: EmbeddedMessage) => {
      clearTimeout(timer)
      if (msg.type === 'ready') resolve(msg.url)
      else reject(Object.assign(new Error(msg.message), { code: msg.code }))
    })
    void exited.then(([code, signal]) => { clearTimeout(timer); reject(new Error(`exited (${signal ?? code}) before it was ready`)) })
  })

  let url: string
  try {
    url = await ready
  } catch (err) {
    child.kill('SIGKILL')
    if ((err as { code?: string }).code === 'CORRAL_ERR_DB_EMBEDDED') throw err
    throw corralError('CORRAL_ERR_DB_EMBEDDED', dataDir, (err as Error).message)
  }

  let closed: Promise<void> | undefined
  const exitListeners: ((how: string) => void)[] = []
  void exited.then(([code, signal]) => {
    if (closed) return
    for (const listener of exitListeners) listener(String(signal ?? code))
  })
  return {
    url,
    pid: child.pid!,
    onExit: (listener) => { exitListeners.push(listener) },
    close() {
      closed ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.send({ type: 'close' })
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      })()
      return closed
    },
  }
}
