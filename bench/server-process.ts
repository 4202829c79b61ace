/**
 * Start a server (any of servers.ts), wait until it answers, probe it, stop it.
 *
 * Each server is spawned detached, so it leads a process group of its own: its workers (forked
 * by gunicorn, node:cluster or PM2) share that group, /proc tells us their CPU by it, and the
 * stop can reach every one of them by the group id even if the master dies first.
 * Its output goes to a log file in the run's folder, for when a server fails to start.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { request } from 'undici'
import { groupPids } from './process-cpu.js'
import type { Launch } from './servers.js'

export interface RunningServer {
  pid: number
  port: number
  url: string
  log: string
  child: ChildProcess
  exited: Promise<number | null>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One GET; true when any HTTP answer came back within timeoutMs. */
export async function probe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(timeoutMs), reset: true })
    await res.body.dump()
    return true
  } catch { return false }
}

export async function startServer(launch: Launch, o: {
  port: number; path: string; env: Record<string, string>; logDir: string; logName: string; readyTimeoutMs: number
  /** Told the group id as soon as the process exists, so an interrupted start leaves nothing behind. */
  onSpawn?: (pid: number) => void
}): Promise<RunningServer> {
  mkdirSync(o.logDir, { recursive: true })
  const log = join(o.logDir, `${o.logName}.log`)
  const out = createWriteStream(log, { flags: 'a' })
  await new Promise((r) => out.once('open', r))
  const child = spawn(launch.command, launch.args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...o.env, ...launch.env, PORT: String(o.port) },
  })
  if (child.pid !== undefined) o.onSpawn?.(child.pid)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
    child.once('error', () => resolve(-1))
  })
  const url = `http://127.0.0.1:${o.port}${o.path}`
  const server: RunningServer = { pid: child.pid ?? -1, port: o.port, url, log, child, exited }
  let gone = false
  void exited.then(() => { gone = true })
  const deadline = Date.now() + o.readyTimeoutMs
  while (Date.now() < deadline) {
    if (gone) break
    if (await probe(url, 2000)) return server
    await sleep(100)
  }
  await stopServer(server)
  const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-5).join(' | ')
  throw new Error(gone ? `exited before answering: ${tail}` : `no answer within ${o.readyTimeoutMs} ms: ${tail}`)
}

/**
 * SIGTERM to the master (a graceful stop, as an operator would), then SIGKILL to the whole group
 * after graceMs: the bench needs the port and the CPU back, not a clean drain of a backlog.
 * graceMs 0 kills at once, for a server known to be stuck.
 */
export async function stopServer(s: RunningServer, graceMs = 3000): Promise<void> {
  if (s.pid <= 0) return
  if (graceMs > 0) {
    try { process.kill(s.pid, 'SIGTERM') } catch { /* already gone */ }
    await Promise.race([s.exited, sleep(graceMs)])
  }
  const deadline = Date.now() + 3000
  while (groupPids(s.pid).length > 0 && Date.now() < deadline) {
    try { process.kill(-s.pid, 'SIGKILL') } catch { break }
    await sleep(50)
  }
}

/** The first port at or above `from` that 127.0.0.1 can listen on now, so no run loads a stranger's server. */
export async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 200; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    })
    if (ok) return port
  }
  throw new Error(`no free port in ${from}–${from + 199}`)
}
