/**
 * The app under examination: corral itself serving it with one worker, on ports of its own, so
 * that every figure is one worker's (one process, one event loop) and the user's own settings and
 * config apply as they would in production. Stopped with SIGTERM, as an operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { corralError } from '../errors.js'
import { freePort } from '../net/free-port.js'

export interface Session {
  origin: string
  admin: string
  workerPid: number
  /** What the server printed, for the report when something goes wrong. */
  output(): string
  stop(): Promise<void>
}

export interface SessionOptions {
  app: string
  /** Settings as on `corral serve`'s command line; --workers and the binds are the doctor's. */
  args: string[]
  bootTimeoutMs: number
}

export async function startSession(o: SessionOptions): Promise<Session> {
  const [port, adminPort] = [await freePort(), await freePort()]
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url))
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, cli, 'serve', o.app, ...o.args,
    // The stall detector wakes the worker's threads while requests are in flight: on a busy machine
    // each wakeup leaves the loop waiting for a CPU through what is really a wait on I/O, which is
    // the very split the doctor measures. Its own readings come from /proc instead.
    '--stall-threshold', '0',
    // The adaptive limit reads a loop that waits for a CPU as a saturated one and sheds: the doctor
    // measures what a request of the app costs at the concurrency it drives itself (bounded), and a
    // cheap 503 in its sample would understate that cost and count as the route's error.
    '--no-overload-control',
    '--workers', '1', '--bind', `127.0.0.1:${port}`, '--admin-bind', `127.0.0.1:${adminPort}`, '--control-socket', 'off',
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORRAL_LOG_LEVEL: process.env.CORRAL_LOG_LEVEL ?? 'warn' } })
  let out = ''
  child.stdout!.on('data', (d) => { out += d })
  child.stderr!.on('data', (d) => { out += d })
  const exited = once(child, 'exit')
  const admin = `http://127.0.0.1:${adminPort}`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + o.bootTimeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw corralError('CORRAL_ERR_USAGE', `corral doctor: the app did not start (corral serve exited with ${child.exitCode ?? child.signalCode}); what it printed:\n${out}`)
    }
    const status = await fetch(`${admin}/status`).then((r) => r.ok ? r.json() as Promise<{ workers: { pid: number; state: string }[] }> : undefined).catch(() => undefined)
    const ready = status?.workers.find((w) => w.state === 'ready')
    if (ready) return { origin: `http://127.0.0.1:${port}`, admin, workerPid: ready.pid, output: () => out, stop }
    if (Date.now() > deadline) {
      await stop()
      throw corralError('CORRAL_ERR_USAGE', `corral doctor: no worker was ready after ${o.bootTimeoutMs} ms; what the server printed:\n${out}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export interface WorkerReading {
  loopUtilization: number
  served: number
}

export async function readWorker(s: Session): Promise<WorkerReading | undefined> {
  const status = await fetch(`${s.admin}/status`).then((r) => r.json() as Promise<{ workers: ({ pid: number } & WorkerReading)[] }>).catch(() => undefined)
  return status?.workers.find((w) => w.pid === s.workerPid)
}
