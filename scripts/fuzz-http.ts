/**
 * Fuzz a corral worker with as many mutated requests as asked (test/fuzz/), outside `npm test`:
 *   node --import tsx scripts/fuzz-http.ts [--seed N] [--count N] [--app fetch-echo.ts|node-echo.ts|hono-echo.ts|express-echo.ts:app|fastify-echo.ts]
 * Prints the outcomes and every failure (with the bytes, to replay); exits 1 on any failure.
 */
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { startCorral } from '../test/support/corral.js'
import { bases } from '../test/fuzz/bases.js'
import { mutants } from '../test/fuzz/mutate.js'
import { fuzz } from '../test/fuzz/run.js'

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '20000' }, app: { type: 'string', default: 'fetch-echo.ts' } } })
const seed = Number(values.seed)
const count = Number(values.count)
const app = fileURLToPath(new URL(`../test/conformance/apps/${values.app}`, import.meta.url))
const server = await startCorral(undefined, app, { args: ['--workers', '1', '--header-timeout', '2s', '--body-timeout', '2s', '--body-min-rate', '0'], timeoutMs: 120_000 })
const before = await (await fetch(server.admin + '/status')).json() as { workers: { id: number; pid: number }[] }
const started = Date.now()
const report = await fuzz(server.port, mutants(seed, count, bases()), { concurrency: 32, boundMs: 30_000, keepOpenEvery: 25 })
const after = await (await fetch(server.admin + '/status')).json() as { workers: { id: number; pid: number }[] }
const replaced = JSON.stringify(after.workers.map((w) => [w.id, w.pid])) !== JSON.stringify(before.workers.map((w) => [w.id, w.pid]))
const crashed = /uncaught|CORRAL_ERR_HANDLER/i.test(server.output())
console.log(`seed ${seed}, ${report.played} requests against ${values.app} in ${((Date.now() - started) / 1000).toFixed(1)} s; ${report.invalid} invalid by the oracle`)
console.log(`outcomes: ${JSON.stringify(report.outcomes)}`)
console.log(`worker replaced: ${replaced}; handler errors or uncaught exceptions in the log: ${crashed}`)
for (const f of report.failures) console.log(`FAIL ${f}`)
if (crashed) {
  // The log's entry for each, with its error's first lines, to see what broke.
  const lines = server.output().split('\n')
  lines.forEach((line, i) => { if (/uncaught|CORRAL_ERR_HANDLER/i.test(line)) console.log(lines.slice(i, i + 12).map((l) => `LOG ${l.slice(0, 300)}`).join('\n')) })
}
await server.stop()
process.exit(report.failures.length > 0 || replaced || crashed ? 1 : 0)
