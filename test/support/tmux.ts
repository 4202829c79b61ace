/**
 * A real terminal for testing a terminal program: a private tmux server (its own -L socket, so
 * tests never touch anyone's tmux), one window of a fixed size, keys sent with send-keys and the
 * screen read with capture-pane. The program's exit status is written to a file when it ends.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pollFor } from './poll.js'

const run = promisify(execFile)
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export class Terminal {
  readonly #socket = `corral-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  readonly #dir = mkdtempSync(join(tmpdir(), 'corral-tmux-'))

  static async start(command: string[], { columns = 140, rows = 45, env = {} as Record<string, string> } = {}): Promise<Terminal> {
    const t = new Terminal()
    const exports = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`).join(' ')
    const line = `${exports} ${command.map(quote).join(' ')}; echo $? > ${quote(join(t.#dir, 'exit'))}`
    await run('tmux', ['-L', t.#socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), line])
    await run('tmux', ['-L', t.#socket, 'set-option', '-g', 'remain-on-exit', 'on'])
    return t
  }

  /** The screen as text, one line per row. */
  async screen(): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.#socket, 'capture-pane', '-p', '-t', 'main'])
    return stdout
  }

  /** Keys as tmux names them ('q', '+', 'Enter'). */
  async keys(...keys: string[]): Promise<void> {
    await run('tmux', ['-L', this.#socket, 'send-keys', '-t', 'main', ...keys])
  }

  /** Read the screen until it matches (or `check` returns a value), or fail with the last screen. */
  async waitFor<T>(what: string, check: RegExp | ((screen: string) => T | undefined | false), timeoutMs = 20_000): Promise<T | RegExpExecArray> {
    let screen = ''
    return pollFor<T | RegExpExecArray>(what, async () => {
      screen = await this.screen().catch(() => screen)
      return check instanceof RegExp ? check.exec(screen) : check(screen)
    }, { timeoutMs, everyMs: 100, last: () => `the screen:\n${screen}` })
  }

  /** The program's exit status once it has ended, or undefined while it runs. */
  exitCode(): number | undefined {
    try { return Number(readFileSync(join(this.#dir, 'exit'), 'utf8').trim()) } catch { return undefined }
  }

  async exited(timeoutMs = 10_000): Promise<number> {
    try {
      // Boxed: an exit status of 0 is an answer.
      return (await pollFor('the program to exit', () => { const code = this.exitCode(); return code !== undefined && { code } }, { timeoutMs, everyMs: 100 })).code
    } catch (err) {
      throw new Error(`${(err as Error).message}; the screen:\n${await this.screen().catch(() => '')}`)
    }
  }

  async close(): Promise<void> {
    await run('tmux', ['-L', this.#socket, 'kill-server']).catch(() => {})
    rmSync(this.#dir, { recursive: true, force: true })
  }
}
