/** Start and stop the upstream simulator (simulator.cjs) for the scenarios that call it. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { stopServer, type RunningServer } from '../server-process.js'

const simulator = fileURLToPath(new URL('./simulator.cjs', import.meta.url))

export async function startUpstream(port: number, processes: number, node = process.execPath): Promise<RunningServer> {
  const child = spawn(node, [simulator], {
    detached: true, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: String(port), BENCH_UPSTREAM_PROCESSES: String(processes) },
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const server: RunningServer = { pid: child.pid ?? -1, port, url: `http://127.0.0.1:${port}/`, log: '', child, exited }
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000)
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      if (out.includes('ready')) { clearTimeout(timer); resolve(true) }
    })
    void exited.then(() => { clearTimeout(timer); resolve(false) })
  })
  if (!ready) {
    await stopServer(server)
    throw new Error(`upstream simulator did not start on port ${port}`)
  }
  return server
}
