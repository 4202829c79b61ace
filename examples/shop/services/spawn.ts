/**
 * Starting the services simulator next to the shop, from the shop's master (corral.config.ts):
 * a second `corral serve` on its own port, with no admin port, no control socket, no config file
 * and no database, so nothing of the shop's configuration leaks into it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export interface Simulator {
  url: string
  pid: number
  stop(): Promise<void>
}

const APP = fileURLToPath(new URL('./app.ts', import.meta.url))

async function freePort(host: string): Promise<number> {
  const server = createServer().listen(0, host)
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

/** The shop's env minus what would configure the simulator as a second shop. */
function simulatorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('CORRAL_') || ['PORT', 'HOST', 'WEB_CONCURRENCY', 'DATABASE_URL', 'REDIS_URL'].includes(k)) continue
    env[k] = v
  }
  env.SIM_PARENT_PID = String(process.pid)
  return env
}

async function answers(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the services simulator exited (${child.exitCode ?? child.signalCode}) before it answered`)
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
      if (res.ok) return
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the services simulator did not answer at ${url} within ${timeoutMs}ms`)
}

export async function startSimulator({ port = 0, workers = 1, host = '127.0.0.1', timeoutMs = 30_000 } = {}): Promise<Simulator> {
  const chosen = port || await freePort(host)
  const url = `http://${host}:${chosen}`
  // process.argv[1] is the corral CLI this master runs: the simulator runs on the same corral.
  // --balance shared: the shop opens many upstream connections at once (and a cut call closes
  // its connection), so the simulator's workers accept directly instead of through its master,
  // which on Node < 22.12 hands each new connection over IPC (measured: ~1.7× the shop's
  // throughput on 2 cores with the simulator on shared).
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'serve', APP,
    '--bind', `${host}:${chosen}`, '--workers', String(workers), '--worker-connections', '100000', '--balance', 'shared',
    '--admin-bind', 'off', '--control-socket', 'off', '--config', 'off', '--migrations', 'off',
    // It stands in for remote services with fixed latencies: shedding its calls when this machine's
    // CPU is busy (its loop saturated) would fail the shop's pages for a reason no real service has.
    '--no-overload-control'], {
    env: simulatorEnv(),
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const exited = once(child, 'exit')
  try {
    await answers(url, child, timeoutMs)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
