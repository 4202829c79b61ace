/**
 * Running a real corral server for a test: a spawned `corral serve` process on free ports, its
 * log captured, stopped (and killed if it must be) when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { once } from 'node:events'
import { freePort } from '../../src/net/free-port.js'
import { childPids } from '../../bench/process-cpu.js'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'

/** A Node line the version-specific tests run on besides the one running the tests. */
export interface NodeLine {
  /** "Node 24", for test names. */
  name: string
  major: number
  /** The binary, or undefined when it is not installed. */
  node: string | undefined
  /** The reason the cases on it are skipped, or false. */
  skip: string | false
}

/**
 * The Node lines corral supports besides 20, found at $CORRAL_NODE22, $CORRAL_NODE24 and
 * $CORRAL_NODE26 (.ci/run installs each with `npm install node@<major>` into a scratch folder).
 * The tests whose behaviour depends on Node's version (keep-alive internals, TypeScript loading,
 * reusePort) run on each; a line without its binary is skipped with the reason. Under
 * CORRAL_REQUIRE_SERVICES=1 (CI) a missing binary fails instead: CI must not pass by skipping them.
 */
export const nodeLines: NodeLine[] = [22, 24, 26].map((major) => {
  const bin = process.env[`CORRAL_NODE${major}`]
  const node = bin !== undefined && existsSync(bin) ? bin : undefined
  const missing = `no Node ${major} binary: set CORRAL_NODE${major} (see .ci/run)`
  if (!node && process.env.CORRAL_REQUIRE_SERVICES === '1') {
    // Not skipped: each case on this line fails as it asks for the binary.
    return { name: `Node ${major}`, major, skip: false, get node(): string { throw new Error(`${missing} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`) } }
  }
  return { name: `Node ${major}`, major, node, skip: node ? false : missing }
})

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))

export { freePort }

export interface Running {
  child: ChildProcess
  port: number
  adminPort: number
  url: string
  admin: string
  /** Everything the server wrote so far (stdout and stderr). */
  output(): string
  /** Resolves with the exit code (or signal) once the server exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Runs a step against a server, and on failure says what the server said: a suite hook that fails
 * (a `before`) prints its error and nothing of the server's log, and "fetch failed" names neither
 * its cause nor the code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET) that tells a refusal from a reset.
 */
export async function withServerLog<T>(server: Running, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    const causes: string[] = []
    for (let c = (err as Error).cause as (Error & { code?: string }) | undefined; c && causes.length < 4; c = c.cause as typeof c) {
      causes.push(`${c.message ?? String(c)}${c.code ? ` (${c.code})` : ''}`)
    }
    const why = causes.length ? `; caused by: ${causes.join('; ')}` : ''
    throw new Error(`${(err as Error).message}${why}\nthe server said:\n${server.output()}`, { cause: err })
  }
}

export interface StartOptions {
  args?: string[]
  env?: Record<string, string>
  node?: string
  cwd?: string
  /**
   * Run corral in a process group of its own, and have stop() signal the whole group, as systemd
   * (KillMode=control-group), `timeout` or `kill -TERM -PGID` do: every process corral started
   * gets the signal at once, not only the master.
   */
  processGroup?: boolean
  /** A command that starts corral in turn (systemd-socket-activate …): corral's own command line is appended. */
  launcher?: string[]
  /** Don't wait for "Listening at" (for boot failures). */
  noWait?: boolean
  timeoutMs?: number
}

export function runCli(args: string[], opts: { env?: Record<string, string>; node?: string; cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(opts.node ?? process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

/**
 * Ports picked before the server binds them: another test process running beside this one may pick
 * the same free port in that window (each pick is random below the ephemeral range, free-port.ts),
 * and the second server to bind it stops with CORRAL_ERR_BIND. Such a start is tried again on fresh
 * ports; any other failure, and a bind failure on a port the test chose itself, is the test's.
 */
const PORT_TRIES = 3

export async function startCorral(t: TestContext | undefined, app: string, opts: StartOptions = {}): Promise<Running> {
  for (let tries = 1; ; tries++) {
    const port = await freePort()
    const adminPort = await freePort()
    try {
      return await startOn(t, app, opts, port, adminPort)
    } catch (err) {
      const taken = new RegExp(`CORRAL_ERR_BIND: .*EADDRINUSE.*127\\.0\\.0\\.1:(${port}|${adminPort})\\b`)
      if (tries >= PORT_TRIES || !taken.test((err as Error).message)) throw err
    }
  }
}

async function startOn(t: TestContext | undefined, app: string, opts: StartOptions, port: number, adminPort: number): Promise<Running> {
  const args = ['serve', app, '--bind', `127.0.0.1:${port}`, '--admin-bind', `127.0.0.1:${adminPort}`, '--control-socket', 'off', ...(opts.args ?? [])]
  const command = [...(opts.launcher ?? []), opts.node ?? process.execPath, CLI, ...args]
  const child = spawn(command[0], command.slice(1), {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, CORRAL_LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.processGroup === true,
  })
  const signal = (sig: NodeJS.Signals) => {
    if (opts.processGroup) { try { process.kill(-child.pid!, sig) } catch { /* the group is gone */ } }
    else child.kill(sig)
  }
  let out = ''
  const waiters = new Set<() => void>()
  const onData = (d: Buffer) => { out += d; for (const w of waiters) w() }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => { for (const w of waiters) w(); resolve({ code, signal }) }))
  const waitFor = (pattern: RegExp, timeoutMs = opts.timeoutMs ?? 20_000) => new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(out)
      if (m) { done(); resolve(m[0]); return }
      if (child.exitCode !== null || child.signalCode !== null) { done(); reject(new Error(`server exited before ${pattern}; output:\n${out}`)) }
    }
    const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${pattern}; output:\n${out}`)) }, timeoutMs)
    const done = () => { clearTimeout(timer); waiters.delete(check) }
    waiters.add(check)
    check()
  })
  const running: Running = {
    child, port, adminPort, url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${adminPort}`,
    output: () => out, exited, waitFor,
    stop: async (sig = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) signal(sig)
      const timer = setTimeout(() => signal('SIGKILL'), 40_000)
      const r = await exited
      clearTimeout(timer)
      return r
    },
  }
  t?.after(async () => {
    // A worker whose master is killed finishes what it holds before it exits (worker.ts): at the
    // end of a test nothing is left to finish, so the workers go with their master.
    const workers = childPids(child.pid!)
    if (child.exitCode === null && child.signalCode === null) { signal('SIGKILL'); await exited }
    for (const pid of workers) try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
    // Whatever corral started in its group (an embedded database, a simulator) goes with it.
    if (opts.processGroup) signal('SIGKILL')
  })
  // A worker's boot can take tens of seconds on a machine at load 25; one that never listens is
  // killed here, so that a failed start (in a before hook, with no test to clean up after) leaves
  // no server behind to keep the test process alive.
  if (!opts.noWait) {
    try {
      await waitFor(/Listening at: /, opts.timeoutMs ?? 60_000)
    } catch (err) {
      if (child.exitCode === null && child.signalCode === null) { signal('SIGKILL'); await exited }
      throw err
    }
  }
  return running
}
