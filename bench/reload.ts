/**
 * `corral serve --reload` (docs/reload.md): the time from saving a file of the app to the new code
 * answering. A small TypeScript app is written to a temp folder (an entry importing a module in a
 * subfolder, the file that is edited); each round saves a new version of that module and measures:
 *   - save → first answer of the new code (probing GET / every 5 ms, a fresh connection each);
 *   - save → every worker on it (the master's "Reload done" line, seen on its stdout);
 *   - the master's own "change seen → serving" figure from its log.
 * Rounds wait until the old workers have exited before the next save.
 *
 *   npm run bench:reload -- [--rounds 10] [--workers 1] [--node PATH]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { nodeVersion } from './machine.js'
import { freePort } from './server-process.js'
import { spread } from './report/summary.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { body += d })
      res.on('end', () => resolve(body.trim()))
    })
    req.on('error', () => resolve(''))
    req.on('timeout', () => { req.destroy(); resolve('') })
    req.end()
  })
}

const version = (i: number) => `export const message: string = 'v${i}'\n`

async function main(): Promise<void> {
  const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, workers: { type: 'string', default: '1' }, node: { type: 'string' } } })
  const node = a.node ?? process.execPath
  const rounds = Number(a.rounds)
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-reload-'))
  mkdirSync(join(dir, 'lib'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n')
  writeFileSync(join(dir, 'app.ts'), "import { message } from './lib/message.js'\n\nexport default { fetch: () => new Response(message) }\n")
  writeFileSync(join(dir, 'lib', 'message.ts'), version(0))
  const port = await freePort(19_400)
  const child = spawn(node, [join(root, 'dist/cli/main.js'), 'serve', join(dir, 'app.ts'), '--reload', '--workers', a.workers!,
    '--bind', `127.0.0.1:${port}`, '--admin-bind', 'off', '--control-socket', 'off', '--access-log', 'off', '--log-level', 'info'], {
    cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const count = (re: RegExp) => (out.match(re) ?? []).length
  const until = async (what: string, check: () => boolean, timeoutMs = 60_000) => {
    const deadline = performance.now() + timeoutMs
    while (!check()) {
      if (child.exitCode !== null) throw new Error(`the server exited; its log:\n${out}`)
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; the log:\n${out}`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  const load = [loadavg()[0]]
  const first: number[] = []
  const all: number[] = []
  const told: number[] = []
  try {
    await until('the server to answer', () => /Reload on change/.test(out))
    const booted = performance.now()
    while ((await get(port)) !== 'v0') {
      if (performance.now() - booted > 60_000) throw new Error(`no first answer; the log:\n${out}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    for (let i = 1; i <= rounds; i++) {
      const done = count(/Reload done: generation/g)
      const exits = count(/exited: reload/g)
      writeFileSync(join(dir, 'lib', 'message.ts'), version(i))
      const saved = performance.now()
      let answered = NaN
      while (performance.now() - saved < 60_000) {
        if ((await get(port)) === `v${i}`) { answered = performance.now() - saved; break }
        await new Promise((r) => setTimeout(r, 5))
      }
      await until('Reload done', () => count(/Reload done: generation/g) > done)
      const everyWorker = performance.now() - saved
      if (Number.isNaN(answered)) throw new Error(`round ${i}: v${i} never answered; the log:\n${out}`)
      const serving = [...out.matchAll(/the new code is serving, (\d+)ms after the change was seen/g)].at(-1)
      first.push(answered)
      all.push(everyWorker)
      if (serving) told.push(Number(serving[1]))
      process.stderr.write(`round ${i}: new code answered ${answered.toFixed(0)} ms after the save, every worker on it after ${everyWorker.toFixed(0)} ms (master: ${serving?.[1]} ms after it saw the change)\n`)
      await until('the old workers to exit', () => count(/exited: reload/g) >= exits + Number(a.workers))
    }
  } finally {
    try { process.kill(-child.pid!, 'SIGTERM') } catch { /* gone */ }
    await new Promise((r) => child.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
  load.push(loadavg()[0])
  const f = (s: { median: number; min: number; max: number }) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`
  console.log([
    `Node ${nodeVersion(node)}, ${a.workers} workers, ${rounds} saves; load average ${load.map((l) => l.toFixed(1)).join(' → ')} (1 min)`, '',
    '| save → first answer of the new code | save → every worker on it (Reload done) | change seen → serving (the master\'s log) |',
    '|---:|---:|---:|',
    `| ${f(spread(first))} | ${f(spread(all))} | ${told.length ? f(spread(told)) : '-'} |`,
  ].join('\n'))
}

await main()
