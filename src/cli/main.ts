#!/usr/bin/env node
/**
 * corral's command line: argv → a command from the table. Every command returns its exit status;
 * a CorralError that escapes prints its code and message and exits with the code's status.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { codes, corralError, exitCodeOf, isCorralError } from '../errors.js'
import { errorsMarkdown, settingsHelp, settingsMarkdown } from './help.js'
import { version } from './version.js'
import { enableCompileCache } from '../compile-cache.js'

// Before any command's modules load (they are imported when the command runs).
enableCompileCache()

type Command = { run: (argv: string[]) => Promise<number>; usage: string; doc: string; ownHelp?: boolean }

const commands: Record<string, Command> = {
  // Each command is loaded when it runs: `serve` must not pay for loading `check`'s app loader or `ctl`'s client.
  serve: { run: async (argv) => (await import('./serve.js')).serve(argv), usage: 'corral serve <app.ts[:export]> [options]', doc: 'Serve an app with a master and N workers.' },
  check: { run: async (argv) => (await import('./check.js')).check(argv), usage: 'corral check [app.ts] [options]', doc: 'Validate the config and load the app without serving.' },
  'print-config': { run: async (argv) => (await import('./print-config.js')).printConfig(argv), usage: 'corral print-config [--explain] [options]', doc: 'Print every setting; --explain adds which source set it.' },
  // Ink and React have no business in a serving master's memory.
  top: { run: async (argv) => (await import('./top.js')).top(argv), usage: 'corral top [host:port|unix:/path]', doc: 'Watch a running server in the terminal: workers, requests, latency, io, restarts.' },
  doctor: { run: async (argv) => (await import('./doctor.js')).doctor(argv), usage: 'corral doctor <app.ts> [/route …] [--duration 3s] [--json]', doc: 'Drive each route briefly: I/O-bound or CPU-bound, and the settings to use, with the reasons.', ownHelp: true },
  ctl: { run: async (argv) => (await import('./ctl.js')).ctl(argv), usage: 'corral ctl workers|stats|reload|scale N|kill ID [--json]', doc: 'Control a running master over its control socket.' },
  deploy: { run: async (argv) => (await import('./deploy.js')).deploy(argv), usage: 'corral deploy nginx [--upstream host:port]... [--standalone] [--out file] [settings]', doc: 'Write the nginx config for corral behind nginx, from these settings (docs/deploy.md).', ownHelp: true },
  migrate: { run: async (argv) => (await import('./migrate.js')).migrateCommand(argv), usage: 'corral migrate <gunicorn.conf.py|ecosystem.config.js> [--out file] [--app NAME]', doc: 'Translate a Gunicorn or PM2 config into corral.config.ts, saying why for what has no equivalent.', ownHelp: true },
  bench: {
    run: async (argv) => {
      // The harness is TypeScript beside the package (bench/), run through tsx like `npm run bench`.
      const script = fileURLToPath(new URL('../../bench/run.ts', import.meta.url))
      if (!existsSync(script)) throw corralError('CORRAL_ERR_USAGE', `corral bench needs corral's source checkout (no ${script})`)
      const child = spawn(process.execPath, ['--import', 'tsx', script, ...argv], { stdio: 'inherit' })
      const [code] = await once(child, 'exit')
      return code ?? 1
    },
    usage: 'corral bench [--quick|--full] [options]', doc: 'Benchmark corral against node:cluster, PM2 and Gunicorn (writes bench/results/).', ownHelp: true,
  },
  docs: {
    run: async (argv) => {
      const dir = argv[0] ?? 'docs'
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'settings.md'), settingsMarkdown())
      writeFileSync(join(dir, 'errors.md'), errorsMarkdown())
      process.stdout.write(`wrote ${join(dir, 'settings.md')} and ${join(dir, 'errors.md')}\n`)
      return 0
    },
    usage: 'corral docs [dir]', doc: 'Write settings.md and errors.md (generated from the settings table and error codes).',
  },
}

function usage(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length))
  return [`corral ${version}: a pre-fork application server for TypeScript web apps`, '', 'Commands:',
    ...Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}  ${c.doc}`),
    '', 'Run `corral serve --help` for every setting, or see docs/settings.md.'].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`corral ${version}\n`)
    return 0
  }
  const command = commands[name]
  if (!command) {
    process.stderr.write(`corral: CORRAL_ERR_USAGE: unknown command ${JSON.stringify(name)}\n\n${usage()}\n`)
    return codes.CORRAL_ERR_USAGE.exit
  }
  if (!command.ownHelp && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`usage: ${command.usage}\n${command.doc}\n${settingsHelp()}\n`)
    return 0
  }
  return command.run(rest)
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  const text = isCorralError(err) ? `${err.code}: ${err.message}` : (err as Error)?.stack ?? String(err)
  process.stderr.write(`corral: ${text}\n`)
  process.exitCode = exitCodeOf(err)
}
// The serve command's workers and timers are done by now; make sure nothing keeps the master alive.
if (process.argv[2] === 'serve' || process.exitCode !== 0) setTimeout(() => process.exit(), 100).unref()
