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
import { createLogger, releaseLogger } from '../logging/logger.js'
import type { Control } from '../control/server.js'
import { prepareDatabase } from '../arbiter/database.js'
import { checkProtocols, describeProtocols } from '../protocols/check.js'
import { watchWorkers } from '../arbiter/watch.js'
import type { WorkerRecord } from '../arbiter/worker-record.js'
import { Dispatch } from '../arbiter/dispatch.js'
import { closeListener, deferredAdoption, deferredListener, openListeners, type Listener } from '../arbiter/listeners.js'
import type { Handover } from '../arbiter/upgrade.js'
import { WorkerEnv } from '../ipc/messages.js'
import { appSockets, inheritedSockets, namedSocket } from '../systemd/activation.js'
import { monotonicUsec, notifier } from '../systemd/notify.js'
import { version } from './version.js'
import { compilesAhead } from '../app/import.js'
import type { Settings } from '../config/settings/index.js'
import type { Logger } from 'pino'

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
  // Held until the workers are forked: building pino then runs beside their boot (logging/logger.ts).
  const log = createLogger({ level: s.logLevel, errorLog: s.errorLog, logFormat: s.logFormat, bindings: { role: 'arbiter' }, hold: true })
  const workers = resolveWorkers(s, config.sources.workers)
  const threads = resolveThreads(s)
  // The environment as it came, for a new master (SIGUSR2): reading the handed-over sockets and
  // NOTIFY_SOCKET removes them from process.env, so the workers do not take them.
  const startEnv = { ...process.env }
  const inherited = inheritedSockets()
  if (inherited?.ignored) log.warn(`Not using the sockets from ${inherited.from}: ${inherited.ignored}`)
  await checkProtocols(s, config.sources)
  const systemd = notifier(log)
  const handed = appSockets(inherited)
  const { balance, reason: balanceReason } = chooseBalance(s.balance, handed.length > 0 ? inherited!.from : undefined)
  applyBalance(balance)
  const binds = s.bind.length > 0 ? s.bind : [{ kind: 'tcp' as const, host: s.host, port: s.port }]
  if (handed.length === 0) for (const b of binds) if (b.kind === 'unix') await clearStaleSocket(b.path)
  const controlFd = namedSocket(inherited, 'control')?.fd
  if (s.controlSocket && controlFd === undefined) await clearStaleSocket(s.controlSocket)
  // With round-robin the master holds the listening sockets (arbiter/listeners.ts) and hands each
  // connection to a worker; with reuseport or shared, each worker binds its own.
  // --listen-after-boot binds them once the first workers are ready (inherited sockets already listen).
  // A new master (SIGUSR2) likewise accepts from the sockets it inherits only once its workers are
  // ready: the old master serves from the same queue until then (listeners.ts, deferredAdoption).
  const upgradedFrom = handed.length > 0 && inherited!.from.startsWith('the master before') ? inherited!.from : undefined
  const deferred = balance !== 'round-robin' ? []
    : handed.length === 0 && s.listenAfterBoot ? binds.map((b) => deferredListener(b, s.backlog))
      : upgradedFrom ? handed.map((h) => deferredAdoption(h.fd, s.backlog, upgradedFrom))
        : []
  const listeners: Listener[] = deferred.length > 0 ? deferred.map((d) => d.listener)
    : balance === 'round-robin' ? await openListeners(binds, s.backlog, handed.length > 0 ? { fds: handed.map((h) => h.fd), from: inherited!.from } : undefined)
      : []

  log.info(`Starting corral ${version} (Node ${process.versions.node}, pid ${process.pid})`)
  log.info(`Using worker: ${s.workerClass}${s.workerClass === 'threads' ? ` with ${threads} threads each` : s.workerClass === 'async' ? `, up to ${s.workerConnections} requests each` : ''}`)
  log.info(`Workers: ${workers.count} (${workers.reason})`)
  log.info(`Balance: ${balance} (${balanceReason})`)
  const protocols = describeProtocols(s)
  if (protocols) log.info(`Protocols: ${protocols}`)
  // A roll runs one worker above the target, so pools are sized for target + 1.
  const database = await prepareDatabase(s, config.sources.migrations === 'default', workers.count + 1, log)
  // Bursts hand a stampede straight to the workers: only where they refuse what they cannot serve
  // (the async class's overload control; docs/balance.md). Where the default cannot apply it stays
  // quiet; a --burst-intake someone asked for says why it is off.
  const burstIntake = s.burstIntake && s.overloadControl && s.workerClass === 'async' && listeners.length > 0
  if (s.burstIntake && !burstIntake && config.sources.burstIntake !== 'default') {
    const why = listeners.length === 0 ? `--balance ${balance} has each worker accept for itself already`
      : !s.overloadControl ? '--no-overload-control is set' : `the ${s.workerClass} worker class has no overload control`
    log.warn(`--burst-intake is off: bursts need --balance round-robin and the async worker class with the overload control on, and ${why} (docs/balance.md)`)
  }
  const listenerEnv: Record<string, string> = listeners.length > 0 ? { [WorkerEnv.listeners]: JSON.stringify(listeners.map((l) => l.label)) } : {}
  const arbiter = new Arbiter({ settings: s, hooks: config.hooks, log, workers: workers.count, threads, balance, env: { ...database?.env, ...listenerEnv } })
  const dispatch = listeners.length > 0 ? new Dispatch(arbiter, listeners, s.backlog, log, burstIntake) : undefined
  if (listeners.length > 0) arbiter.listenPorts = listeners.flatMap((l) => (l.port !== undefined ? [l.port] : []))
  if (dispatch) arbiter.intake = { waiting: () => dispatch.line, bursts: () => dispatch.burst?.count, copies: () => dispatch.burst?.copies,
    pastHold: () => ({ connections: dispatch.pastHold, copies: dispatch.burst?.pastHold ?? null, fromCopies: dispatch.burst?.takenPastHold ?? null }) }
  // On a stop, after the listen queue is taken: stop accepting and give every connection the
  // master holds to a worker, before the workers are retired.
  arbiter.beforeRetire = async (mode) => {
    for (const l of listeners) closeListener(l)
    if (mode === 'now') dispatch?.dropWaiting()
    else if (dispatch && !(await dispatch.flushed(s.gracefulTimeout))) dispatch.dropWaiting()
  }
  await compileTypeScript(s, log)
  await callHook(config.hooks, 'onStarting', log, true, arbiter.view())

  // Signals are taken from here on: a default SIGTTIN/SIGTTOU would stop (suspend) the master and
  // a default SIGHUP would kill it, so none may arrive before corral's handlers are in place.
  let stopping: Promise<void> | undefined
  let resolveStopped!: (code: number) => void
  const stopped = new Promise<number>((resolve) => { resolveStopped = resolve })
  const booting = () => arbiter.state === 'booting'
  const cleanups: (() => Promise<void> | void)[] = []
  // Set when a new master took over (SIGUSR2).
  let handedOver = false
  // Unix socket files are removed at the end only by the master they belong to: the one that bound
  // them, or the new master of an upgrade once it serves; never by systemd's or a failed new master.
  let ownsSocketFiles = handed.length === 0
  const stop = (mode: 'graceful' | 'now') => {
    if (stopping && mode === 'graceful') return
    log.info(booting() ? 'Shutting down during boot' : handedOver ? 'Upgrade: draining the workers of the old master' : mode === 'graceful' ? 'Shutting down: draining workers (graceful)' : 'Shutting down: stopping workers now')
    arbiter.emit('stopping')
    if (!handedOver) void systemd?.notify({ STOPPING: 1, STATUS: 'stopping' })
    const done = arbiter.stop(booting() ? 'now' : mode)
    if (stopping) return
    stopping = done.then(async () => {
      uninstall()
      for (const cleanup of cleanups.reverse()) await cleanup()
      for (const l of listeners) closeListener(l)
      const paths = listeners.length > 0 ? listeners.flatMap((l) => (l.path ? [l.path] : [])) : binds.flatMap((b) => (b.kind === 'unix' ? [b.path] : []))
      if (ownsSocketFiles) for (const path of paths) if (existsSync(path)) try { unlinkSync(path) } catch { /* gone */ }
      await callHook(arbiter.hooks, 'onExit', log, false, arbiter.view())
      log.info('Shutdown complete')
      flushAll()
      resolveStopped(0)
    })
  }
  const reloadNow = async () => {
    void systemd?.notify({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec(), STATUS: 'reloading' })
    const ok = await reload(arbiter, async () => {
      const next = await loadConfig({ argv })
      await compileTypeScript(next.settings, log)
      // The certificate files are read again here: a renewed certificate is checked before any worker rolls onto it.
      await checkProtocols(next.settings, next.sources)
      await database?.migrate()
      return { settings: next.settings, hooks: next.hooks, workers: resolveWorkers(next.settings, next.sources.workers).count, threads: resolveThreads(next.settings) }
    })
    void systemd?.notify({ READY: 1, STATUS: status() })
    return ok
  }
  let upgrading = false
  const upgrade = async () => {
    const refuse = booting() ? 'still booting' : stopping ? 'stopping' : upgrading ? 'an upgrade is already under way'
      : listeners.length === 0 ? `--balance ${balance} has each worker hold its own listening socket; an upgrade needs round-robin, where the master holds them`
        : database?.embedded ? `the embedded database (${database.describe}) cannot be opened by two masters at once; set DATABASE_URL, or restart` : undefined
    if (refuse) return log.warn(`SIGUSR2 ignored: ${refuse}`)
    upgrading = true
    // The sockets handed over are the ones the master accepts on: a burst ends first (burst.ts).
    dispatch?.burst?.pause()
    log.info('Upgrade (SIGUSR2): starting a new master on the same listening sockets')
    const sockets: Handover[] = listeners.map((l) => ({ server: l.server, name: 'http' }))
    if (admin) sockets.push({ server: admin.server, name: 'admin' })
    if (control) sockets.push({ server: control.server, name: 'control' })
    const { startNewMaster } = await import('../arbiter/upgrade.js')
    const result = await startNewMaster(sockets, startEnv, s.bootTimeout + 30_000, log)
    upgrading = false
    if (!result.ok) {
      dispatch?.burst?.resume()
      return log.error(`Upgrade failed: the new master ${result.why}; this master serves on`)
    }
    if (stopping) return
    log.info({ newMaster: result.pid }, `Upgrade: the new master (pid ${result.pid}) is ready; this master stops accepting and drains`)
    handedOver = true
    arbiter.handedOver = true
    ownsSocketFiles = false
    admin?.server.close()
    stop('graceful')
  }
  const status = () => `serving on ${(listeners.length > 0 ? listeners.map((l) => l.label) : binds.map((b) => describeBind(b))).join(', ')} with ${arbiter.target} workers`
  let control: Control | undefined
  const uninstall = installSignals({
    stop,
    reload: () => { if (booting()) log.warn('SIGHUP ignored: still booting'); else if (!stopping) void reloadNow() },
    scaleBy: (delta) => { if (booting()) log.warn('scaling ignored: still booting'); else if (!stopping) arbiter.scale(arbiter.target + delta) },
    reopenLogs: () => {
      reopenAll()
      for (const w of arbiter.workers()) send(w.process, { type: 'reopen-logs' })
    },
    upgrade: () => void upgrade(),
  })
  if (database) cleanups.push(() => database.close())
  // A SIGTERM aimed at one worker (`kill <pid>`) replaces it, surge first, as a recycle does. One
  // sent to the whole process group reaches the master as well, whose stop retires every worker.
  arbiter.on('signalled', (w: WorkerRecord) => {
    if (arbiter.state !== 'running' || stopping || w.state === 'draining') return
    log.info({ worker: w.id }, `Worker ${w.id} (pid: ${w.pid}) got SIGTERM; replacing it`)
    void roll(arbiter, [w], 'sigterm')
  })

  // What the admin port, the dashboard, --reload and the control socket need is imported only where
  // they are on: a master loads them before its workers fork, and each module is boot time on Node 20.
  const adminFd = namedSocket(inherited, 'admin')?.fd
  const adminOn = Boolean(s.adminBind) || adminFd !== undefined
  const dashboard = adminOn && s.dashboard
    ? (await import('../admin/dashboard.js')).createDashboard(arbiter, { version, metrics: s.metrics, actions: s.dashboardActions, reload: () => reloadNow() })
    : undefined
  if (dashboard) cleanups.push(() => dashboard.close())
  const admin = adminOn ? await (await import('../arbiter/admin.js')).startAdmin(arbiter, s.adminBind ?? { kind: 'tcp', host: '127.0.0.1', port: 0 }, log, dashboard?.routes, adminFd) : undefined
  if (admin) cleanups.push(() => admin.close())
  const devReload = s.reload ? (await import('./dev-reload.js')).startDevReload(arbiter, log, [...(s.config ? [s.config] : []), ...s.reloadExtraFiles], reloadNow) : undefined
  if (devReload) cleanups.push(devReload.stop)
  try {
    const starting = arbiter.start()
    releaseLogger(log)
    await starting
    // Every worker said ready, but a signal had already begun the stop: nothing is announced or opened.
    if (stopping) return stopped
  } catch (err) {
    if (stopping) return stopped // a signal stopped the boot: that is a clean stop, not a failure
    uninstall()
    for (const cleanup of cleanups.reverse()) await cleanup()
    throw err
  }
  if (deferred.length > 0) {
    try {
      for (const d of deferred) await d.open()
    } catch (err) {
      // The address is taken (or refused): stop the workers that booted for it, then report the bind.
      stop('now')
      await stopped
      throw err
    }
    arbiter.listenPorts = listeners.flatMap((l) => (l.port !== undefined ? [l.port] : []))
  }
  cleanups.push(watchWorkers(arbiter))
  devReload?.announce()
  const scheme = s.certfile !== null ? 'https' : 'http'
  if (listeners.length > 0) for (const l of listeners) log.info(`Listening at: ${l.label.replace(/^http:/, `${scheme}:`)} (${process.pid}${l.origin === 'bound' ? '' : `, ${l.origin}`})`)
  else for (const b of binds) log.info(`Listening at: ${describeBind(b, scheme)} (${process.pid})`)
  if (admin) log.info(`Admin at: ${admin.address} (${dashboard ? 'dashboard at /, ' : ''}/healthz /readyz /metrics /status)`)
  await callHook(config.hooks, 'whenReady', log, false, arbiter.view())

  if (s.controlSocket) {
    const [{ startControl }, { controlHandlers }] = await Promise.all([import('../control/server.js'), import('../arbiter/control.js')])
    control = await startControl(s.controlSocket, controlHandlers(arbiter, reloadNow), controlFd)
  }
  if (control) cleanups.push(() => control!.close({ keepPath: !ownsSocketFiles }))
  void systemd?.notify({ READY: 1, STATUS: status() })
  if (inherited?.from.startsWith('the master before') && inherited.sockets.length > 0) {
    ownsSocketFiles = true
    const { announceUpgraded } = await import('../arbiter/upgrade.js')
    announceUpgraded()
  }
  return stopped
}

/** The app's TypeScript compiled before workers fork, where Node cannot strip types (app/compile-ahead.ts). */
async function compileTypeScript(s: Settings, log: Logger): Promise<void> {
  if (!compilesAhead(s)) return
  const { compileAhead, entriesOf } = await import('../app/compile-ahead.js')
  const result = await compileAhead(entriesOf(s))
  if ('skipped' in result) {
    if (result.skipped !== 'not TypeScript') log.info(`TypeScript: workers import the app through tsx (not compiled ahead: ${result.skipped})`)
  } else if (!result.reused) {
    log.info(`TypeScript: compiled ${result.compiled} file${result.compiled === 1 ? '' : 's'} ahead in ${Math.round(result.ms)} ms; workers import JavaScript`)
  }
}
