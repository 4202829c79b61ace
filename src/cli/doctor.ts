/**
 * `corral doctor <app> [routes…] [options]`: boot the app under corral with one worker, drive each
 * route with a short bounded load, and answer seed 000's question (I/O-bound or CPU-bound?) with
 * the numbers, then recommend settings and say why (src/doctor/verdict.ts).
 *
 * Routes are the paths right after the app (default /). The doctor's own options: --duration
 * (per route, loaded phase; the solo phase takes half as long), --concurrency, --json. Every other
 * option is a setting, passed to the server as `corral serve` takes it and read for the advice.
 */
import { loadConfig } from '../config/load.js'
import { cpuBudget } from '../config/cpus.js'
import { duration } from '../config/parse.js'
import { corralError } from '../errors.js'
import { examine, RouteFailed } from '../doctor/examine.js'
import { render } from '../doctor/report.js'
import { startSession } from '../doctor/session.js'
import { advise, type RouteMeasure } from '../doctor/verdict.js'
import { databaseLimits } from '../doctor/database.js'

const USAGE = 'usage: corral doctor <app.ts[:export]> [/route …] [--duration 3s] [--concurrency 64] [--json] [settings…]'

interface Parsed { app: string; routes: string[]; durationMs: number; concurrency: number; json: boolean; settings: string[] }

function parse(argv: string[]): Parsed {
  const [app, ...rest] = argv
  if (!app || app.startsWith('-')) throw corralError('CORRAL_ERR_USAGE', `corral doctor needs the app to examine; ${USAGE}`)
  const routes: string[] = []
  let i = 0
  for (; i < rest.length && !rest[i]!.startsWith('-'); i++) {
    if (!rest[i]!.startsWith('/')) throw corralError('CORRAL_ERR_USAGE', `corral doctor: a route is a path starting with /, received ${JSON.stringify(rest[i])}; ${USAGE}`)
    routes.push(rest[i]!)
  }
  const settings: string[] = []
  let durationMs = 3000
  let concurrency = 64
  let json = false
  for (; i < rest.length; i++) {
    const arg = rest[i]!
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    const value = () => inline ?? rest[++i] ?? ''
    if (flag === '--json') json = true
    else if (flag === '--duration') {
      const raw = value()
      try { durationMs = duration.parse(raw) } catch { durationMs = NaN }
      if (!(durationMs >= 500 && durationMs <= 60_000)) throw corralError('CORRAL_ERR_USAGE', `corral doctor: --duration must be between 0.5s and 60s, received ${JSON.stringify(raw)}`)
    } else if (flag === '--concurrency') {
      const raw = value()
      concurrency = Number(raw)
      if (!Number.isInteger(concurrency) || concurrency < 2 || concurrency > 4096) throw corralError('CORRAL_ERR_USAGE', `corral doctor: --concurrency must be a whole number from 2 to 4096, received ${JSON.stringify(raw)}`)
    } else settings.push(arg)
  }
  return { app, routes: routes.length ? routes : ['/'], durationMs, concurrency, json, settings }
}

export async function doctor(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\nBoots the app with one worker, drives each route briefly, says whether it is I/O-bound or CPU-bound, and recommends settings with the reasons.\n`)
    return 0
  }
  const o = parse(argv)
  // The settings as the server will read them (config file, flags, env): a bad one stops here, named.
  const { settings } = await loadConfig({ argv: o.settings })
  const budget = cpuBudget()
  const session = await startSession({ app: o.app, args: o.settings, bootTimeoutMs: Math.max(settings.bootTimeout, 30_000) })
  const measures: RouteMeasure[] = []
  try {
    for (const path of o.routes) {
      if (!o.json) process.stderr.write(`examining ${path} …\n`)
      measures.push(await examine(session, path, { durationMs: o.durationMs, concurrency: o.concurrency, maxRequests: 200_000 }))
    }
  } catch (err) {
    if (err instanceof RouteFailed) throw corralError('CORRAL_ERR_USAGE', `corral doctor: ${err.message}; what the server printed:\n${session.output()}`)
    throw err
  } finally {
    await session.stop()
  }
  const database = await databaseLimits(settings)
  const advice = advise({ measures, cpus: budget.cpus, database, requestTimeoutMs: settings.requestTimeout })
  if (o.json) process.stdout.write(JSON.stringify({ cpus: budget.cpus, node: process.version, measures, ...advice }, null, 2) + '\n')
  else process.stdout.write(render(measures, advice, `corral doctor: ${o.app} on one worker, ${budget.source}, Node ${process.version}; ${o.durationMs / 1000} s per route at ${o.concurrency} concurrent requests after ${o.durationMs / 2000} s one at a time.`))
  return 0
}
