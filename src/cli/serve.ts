/**
 * `corral serve <app>`: load and check the config, then run the arbiter until a signal stops it.
 * Startup logs say what was chosen and why (workers, balance, database), as Gunicorn's do.
 */
import { existsSync, unlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { Arbiter } from '../arbiter/arbiter.js'
import { applyBalance, chooseBalance } from '../arbiter/balance.js'
import { reload, roll } from '../arbiter/reload.js'
import { installSignals } from '../arbiter/signals.js'
import { callHook } from '../config/hooks.js'
import { loadConfig, type Config } from '../config/load.js'
import { resolveThreads, resolveWorkers } from '../config/worker-count.js'
import { corralError } from '../errors.js'
import { describeBind } from '../config/parse.js'
import { send } from '../ipc/channel.js'
import { flushAll, reopenAll } from '../logging/destination.js'
import { createLogger } from '../logging/logger.js'
import { startAdmin } from '../arbiter/admin.js'
import { createDashboard } from '../admin/dashboard.js'
import { controlHandlers } from '../arbiter/control.js'
import { startControl } from '../control/server.js'
import { prepareDatabase } from '../arbiter/database.js'
import { watchWorkers } from '../arbiter/watch.js'
import type { WorkerRecord } from '../arbiter/worker-record.js'
import { version } from './version.js'

/** A unix socket file left by a crashed server blocks the bind; remove it only if nobody answers on it. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path)
    s.once('connect', () => { s.end(); resolve(true) })
    s.once('error', () => resolve(false))
  })
  if (alive) throw corralError('CORRAL_ERR_BIND', `unix:${path}`, 'another server is listening on it')
  unlinkSync(path)
}

export async function serve(argv: string[]): Promise<number> {
  const config: Config = await loadConfig({ argv })
  const s = config.settings
  if (!s.app) throw corralError('CORRAL_ERR_USAGE', 'corral serve needs the app module to serve, e.g. `corral serve app.ts` (or `app.ts:name`)')
  const log = createLogger({ level: s.logLevel, errorLog: s.errorLog, logFormat: s.logFormat, bindings: { role: 'arbiter' } })
  const workers = resolveWorkers(s, config.sources.workers)
  const threads = resolveThreads(s)
  const { balance, reason: balanceReason } = chooseBalance(s.balance)
  applyBalance(balance)
  const binds = s.bind.length > 0 ? s.bind : [{ kind: 'tcp' as const, host: s.host, port: s.port }]
  for (const b of binds) if (b.kind === 'unix') await clearStaleSocket(b.path)
  if (s.controlSocket) await clearStaleSocket(s.controlSocket)

  log.info(`Starting corral ${version} (Node ${process.versions.node}, pid ${process.pid})`)
  log.info(`Using worker: ${s.workerClass}${s.workerClass === 'threads' ? ` with ${threads} threads each` : s.workerClass === 'async' ? `, up to ${s.workerConnections} requests each` : ''}`)
  log.info(`Workers: ${workers.count} (${workers.reason})`)
  log.info(`Balance: ${balance} (${balanceReason})`)
  // A roll runs one worker above the target, so pools are sized for target + 1.
  const database = await prepareDatabase(s, config.sources.migrations === 'default', workers.count + 1, log)
  const arbiter = new Arbiter({ settings: s, hooks: config.hooks, log, workers: workers.count, threads, balance, env: database?.env })
  await callHook(config.hooks, 'onStarting', log, true, arbiter.view())

  // Signals are taken from here on: a default SIGTTIN/SIGTTOU would stop (suspend) the master and
  // a default SIGHUP would kill it, so none may arrive before corral's handlers are in place.
  let stopping: Promise<void> | undefined
  let resolveStopped!: (code: number) => void
  const stopped = new Promise<number>((resolve) => { resolveStopped = resolve })
  const booting = () => arbiter.state === 'booting'
  const cleanups: (() => Promise<void> | void)[] = []
  const stop = (mode: 'graceful' | 'now') => {
    if (stopping && mode === 'graceful') return
    log.info(booting() ? 'Shutting down during boot' : mode === 'graceful' ? 'Shutting down: draining workers (graceful)' : 'Shutting down: stopping workers now')
    arbiter.emit('stopping')
    const done = arbiter.stop(booting() ? 'now' : mode)
    if (stopping) return
    stopping = done.then(async () => {
      uninstall()
      for (const cleanup of cleanups.reverse()) await cleanup()
      for (const b of binds) if (b.kind === 'unix' && existsSync(b.path)) try { unlinkSync(b.path) } catch { /* gone */ }
      await callHook(arbiter.hooks, 'onExit', log, false, arbiter.view())
      log.info('Shutdown complete')
      flushAll()
      resolveStopped(0)
    })
  }
  const reloadNow = () => reload(arbiter, async () => {
    const next = await loadConfig({ argv })
    await database?.migrate()
    return { settings: next.settings, hooks: next.hooks, workers: resolveWorkers(next.settings, next.sources.workers).count, threads: resolveThreads(next.settings) }
  })
  const uninstall = installSignals({
    stop,
    reload: () => { if (booting()) log.warn('SIGHUP ignored: still booting'); else if (!stopping) void reloadNow() },
    scaleBy: (delta) => { if (booting()) log.warn('scaling ignored: still booting'); else if (!stopping) arbiter.scale(arbiter.target + delta) },
    reopenLogs: () => {
      reopenAll()
      for (const w of arbiter.workers()) send(w.process, { type: 'reopen-logs' })
    },
  })
  if (database) cleanups.push(() => database.close())
  // A SIGTERM aimed at one worker (`kill <pid>`) replaces it, surge first, as a recycle does. One
  // sent to the whole process group reaches the master as well, whose stop retires every worker.
  arbiter.on('signalled', (w: WorkerRecord) => {
    if (arbiter.state !== 'running' || stopping || w.state === 'draining') return
    log.info({ worker: w.id }, `Worker ${w.id} (pid: ${w.pid}) got SIGTERM; replacing it`)
    void roll(arbiter, [w], 'sigterm')
  })

  const dashboard = s.adminBind && s.dashboard
    ? createDashboard(arbiter, { version, metrics: s.metrics, actions: s.dashboardActions, reload: () => reloadNow() })
    : undefined
  if (dashboard) cleanups.push(() => dashboard.close())
  const admin = s.adminBind ? await startAdmin(arbiter, s.adminBind, log, dashboard?.routes) : undefined
  if (admin) cleanups.push(() => admin.close())
  try {
    await arbiter.start()
  } catch (err) {
    if (stopping) return stopped // a signal stopped the boot: that is a clean stop, not a failure
    uninstall()
    for (const cleanup of cleanups.reverse()) await cleanup()
    throw err
  }
  cleanups.push(watchWorkers(arbiter))
  for (const b of binds) log.info(`Listening at: ${describeBind(b)} (${process.pid})`)
  if (admin) log.info(`Admin at: ${admin.address} (${dashboard ? 'dashboard at /, ' : ''}/healthz /readyz /metrics /status)`)
  await callHook(config.hooks, 'whenReady', log, false, arbiter.view())

  const control = s.controlSocket ? await startControl(s.controlSocket, controlHandlers(arbiter, reloadNow)) : undefined
  if (control) cleanups.push(() => control.close())
  return stopped
}
