/**
 * A process the harness started (inside a host's namespace, through `ip netns exec`, which execs
 * the command in place: the child's pid is the program's own, so signals reach it directly). Its
 * output is kept so callers wait for evidence (a log line), never for time.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export interface Proc {
  name: string
  child: ChildProcess
  output(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Resolves with the first match of `pattern` in the output (from `from` on); rejects on exit or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number, from?: number): Promise<string>
  /** Count of matches of `pattern` in the output so far (from `from` on). */
  count(pattern: RegExp, from?: number): number
  /** Sends `signal` and waits for the exit (SIGKILL after killAfterMs). */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export function start(name: string, argv: string[], o: { env?: Record<string, string>; cwd?: string; stdin?: boolean } = {}): Proc {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const waiters = new Set<() => void>()
  const onData = (d: Buffer) => { out += d; for (const w of waiters) w() }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => { for (const w of waiters) w(); resolve({ code, signal }) })
    child.on('error', (err) => { out += `\n[spawn failed: ${err.message}]\n`; for (const w of waiters) w(); resolve({ code: -1, signal: null }) })
  })
  const done = () => child.exitCode !== null || child.signalCode !== null
  const proc: Proc = {
    name, child, exited,
    output: () => out,
    waitFor: (pattern, timeoutMs, from = 0) => new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(out.slice(from))
        if (m) { finish(); resolve(m[0]); return }
        if (done()) { finish(); reject(new Error(`${name} exited before ${pattern}; output:\n${out.slice(-4000)}`)) }
      }
      const timer = setTimeout(() => { finish(); reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms; output:\n${out.slice(-4000)}`)) }, timeoutMs)
      const finish = () => { clearTimeout(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    }),
    count: (pattern, from = 0) => [...out.slice(from).matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))].length,
    async stop(signal = 'SIGTERM', killAfterMs = 40_000) {
      if (!done()) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      const r = await exited
      clearTimeout(timer)
      return r
    },
  }
  return proc
}
