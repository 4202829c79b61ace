/**
 * A worker's life: boot (hooks, app, listeners, readiness) → serve → drain → exit. The worker
 * reports to the arbiter only through ipc/; its exit status is the contract in ipc/messages.ts.
 */
import cluster from 'node:cluster'
import type { Server } from 'node:http'
import { createServer as createNetServer, Server as NetServer } from 'node:net'
import { loadApp } from '../app/load.js'
import { compilesAhead } from '../app/import.js'
import { installLightResponse } from '../app/light-response.js'
import type { LoadedApp, Serve } from '../app/types.js'
import { callHook, type Hooks, type WorkerView } from '../config/hooks.js'
import type { Settings } from '../config/settings/index.js'
import { corralError, toErrorData } from '../errors.js'
import { send } from '../ipc/channel.js'
import { isArbiterMessage, WorkerEnv, WorkerExit, type WorkerMessage } from '../ipc/messages.js'
import { closeResources } from '../io/lifecycle.js'
import { setOffloadPlan } from '../io/offload/plan.js'
import { resolveOffloadThreads } from '../config/worker-count.js'
import { flushAll, reopenAll } from '../logging/destination.js'
import { createLogger, type Logger } from '../logging/logger.js'
import { collectAll } from '../metrics/families.js'
import { createAccessLog } from './access-log.js'
import { applyPeerOp, linkCachePeers } from './cache-peers.js'
import { forwardedTrust } from './forwarded.js'
import { overloadControl, type OverloadControl } from '../overload/control.js'
import { Intake } from './intake.js'
import { inFlightNow, startHeartbeat } from './heartbeat.js'
import { RequestMetrics } from './metrics.js'
import { Requests, TrackedResponse } from './requests.js'
import type { Protocols } from './secure-servers.js'
import { createHttpServer, listen } from './server.js'
import { upgradesFor, type Upgrades } from './upgrades.js'
import { exposeInFlight, startWatchdog } from './watchdog.js'
import { untilNoneWaiting } from '../net/listen-queue.js'
import type { BindAddress } from '../config/parse.js'
import { Stalls } from './stalls.js'
import { openSchedstat } from './schedstat.js'

const report = (m: WorkerMessage) => send(process, m)

/** As the arbiter's: the longest a drain waits for this worker's own accept queue to empty. */
const LISTEN_QUEUE_MAX_MS = 5_000
const tcpPorts = (binds: readonly BindAddress[]) => binds.flatMap((b) => (b.kind === 'tcp' ? [b.port] : []))

export function beatInterval(workerTimeoutMs: number): number {
  return workerTimeoutMs > 0 ? Math.max(100, Math.min(1000, Math.floor(workerTimeoutMs / 4))) : 1000
}

async function prepareApp(s: Settings, threads: number, ahead: readonly string[] | undefined): Promise<{ serve: Serve; app?: LoadedApp; close?: () => Promise<unknown> }> {
  if (s.workerClass !== 'threads') {
    installLightResponse()
    const app = await loadApp(s.app, { ahead })
    return { serve: app.serve, app, close: app.close }
  }
  // piscina (the threads worker class) is loaded only by workers of that class.
  const { threadPool } = await import('./threads.js')
  const pool = threadPool(s.app, threads)
  try {
    await pool.warm()
  } catch (err) {
    await pool.close()
    if ((err as Error)?.message?.includes('only fetch handlers')) throw corralError('CORRAL_ERR_WORKER_CLASS', 'threads', 'its export is not a fetch handler; use --worker-class async or sync')
    throw err
  }
  return { serve: pool.serve, close: pool.close }
}

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const s = JSON.parse(env[WorkerEnv.settings]!) as Settings & { threads: number }
  const id = Number(env[WorkerEnv.id])
  const view: WorkerView = { id, pid: process.pid, generation: Number(env[WorkerEnv.generation]) }
  const reusePort = env[WorkerEnv.balance] === 'reuseport'
  const log: Logger = createLogger({ level: s.logLevel, errorLog: s.errorLog, logFormat: s.logFormat, bindings: { worker: id } })
  setOffloadPlan(() => ({ threads: resolveOffloadThreads(s).count, queue: s.offloadQueue, abandonMs: s.offloadAbandonTimeout }))
  linkCachePeers()

  // Ctrl-C, a closed terminal or a signal sent to the whole process group reach the workers too:
  // the arbiter decides what happens to them. Left at their defaults these would suspend (TTIN,
  // TTOU), kill (HUP) or open the inspector (USR1) in every worker.
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2'] as const) process.on(signal, () => {})

  // What the arbiter says, and SIGTERM, are taken from the first moment: a stop can begin while
  // this worker boots, and a message nobody listens for is lost. Until the worker serves, a retire
  // waits for the boot to finish (the worker may already hold connections) and a fast stop exits.
  let phase: 'booting' | 'serving' | 'stopping' = 'booting'
  let retireAfterBoot: string | undefined
  let drain = async (reason: string): Promise<void> => { retireAfterBoot ??= reason }
  let stopNow = async (_why: string): Promise<void> => { flushAll(); process.exit(WorkerExit.ok) }
  process.on('SIGTERM', () => {
    // The arbiter never sends SIGTERM: it came from outside, most often to the whole process group,
    // and then the arbiter is stopping too. It decides; by itself this worker would close its
    // listener and the connections still queued to be accepted would be reset.
    if (process.connected) report({ type: 'signalled', signal: 'SIGTERM' })
    else void drain('SIGTERM')
  })
  process.on('SIGQUIT', () => void stopNow('SIGQUIT'))
  process.on('message', (m: unknown) => {
    if (!isArbiterMessage(m)) return
    switch (m.type) {
      case 'retire': void drain(m.reason); break
      case 'stop-now': void stopNow('stop-now'); break
      case 'reopen-logs':
        reopenAll()
        // Written to the new files: what an operator (and access-log.test.ts) sees that the rotation took.
        log.info('Reopened the log files (SIGUSR1)')
        break
      case 'cache-apply': applyPeerOp(m.seq, m.op); break
      case 'collect-metrics':
        void collectAll().then((metrics) => report({ type: 'metrics', ack: m.seq, metrics }))
        break
    }
  })
  // Node's cluster worker exits at once (code 0) when its channel to the primary closes without a
  // disconnect the primary asked for, cutting every request in flight. Marked as expected, the loss
  // is left to the handler below, which drains first, as a Gunicorn worker does when its arbiter dies.
  if (cluster.worker) cluster.worker.exitedAfterDisconnect = true
  let orphaned = false
  const arbiterGone = () => {
    if (orphaned) return
    orphaned = true
    // The arbiter is gone (killed with SIGKILL, or crashed): nobody supervises this worker any more,
    // and the listening sockets it handed connections from are gone with it.
    log.warn('the arbiter went away; finishing the requests in flight, then exiting')
    void drain('arbiter gone')
    // Nobody is left to kill it: a drain that does not end (a request that runs on, a connection
    // that never closes) must not keep an orphan, and the pipes it shares with the master's parent, alive.
    setTimeout(() => { flushAll(); process.exit(WorkerExit.ok) }, s.gracefulTimeout + 1000).unref()
  }
  process.on('disconnect', arbiterGone)

  const binds = s.bind.length > 0 ? s.bind : [{ kind: 'tcp' as const, host: s.host, port: s.port }]
  let hooks: Hooks = {}
  let servers: Server[] = []
  // What this worker itself listens on: its http servers, or the sockets feeding them through intake.
  let own: NetServer[] = []
  // The PROXY protocol reader (and its parser) is loaded only by a worker that reads the headers.
  const proxy = s.proxyProtocol ? await import('./proxy-protocol.js') : undefined
  const intake = new Intake({
    proxy: proxy && { trusted: proxy.proxyTrust(s.proxyAllowFrom), timeoutMs: s.headerTimeout, read: proxy.readProxyHeader, adopt: proxy.adoptPeer },
    log,
    backlog: s.backlog,
  })
  let requests: Requests
  let overload: OverloadControl | undefined
  let protocols: Protocols | undefined
  let upgrades: Upgrades | undefined
  let closeApp: (() => Promise<unknown>) | undefined
  // The main thread's scheduler counters, one open file for both readers: the stall detector splits a
  // stall by them, the overload limit counts the wait for a CPU (--overload-cpu-wait).
  const schedstat = openSchedstat()
  // The watchdog thread watches it (Stalls#watch) and takes the stack of a stall while it lasts.
  const stalls = s.stallThreshold > 0
    ? new Stalls({ thresholdMs: s.stallThreshold, inFlight: () => requests.active, log, report, metrics: s.metrics, schedstat })
    : undefined
  // The app (and a .ts config) as the master compiled them, where Node cannot strip types.
  const compiled = compilesAhead(s) ? await import('../app/compile-ahead.js') : undefined
  const ahead = compiled?.entriesOf(s)
  // --reload: record the module graph from before the first import of app code (the config's hooks included).
  const graph = s.reload ? (await import('../dev-reload/module-graph.js')).recordModuleGraph() : undefined
  const reportModules = () => { if (graph) report({ type: 'modules', files: graph.files() }) }
  try {
    // The config loader is needed only to read the hooks of a config file.
    if (s.config) hooks = await (await import('../config/load.js')).loadHooks(s.config, ahead)
    await callHook(hooks, 'postFork', log, true, view)
    const prepared = await prepareApp(s, s.threads, ahead)
    if (compiled && ahead?.length) log.debug(compiled.compiledFor(ahead[0], ahead) ? 'imported the app as JavaScript compiled ahead by the master' : 'imported the app through tsx: nothing compiled ahead matches its sources')
    closeApp = prepared.close
    overload = overloadControl(s, (now) => requests.medianAge(now), schedstat?.times)
    const { admission, priority } = overload
    const trusted = forwardedTrust(s.forwardedAllowIps)
    const accessLog = createAccessLog(s.accessLog, s.accessLogFormat, id)
    const metrics = s.metrics ? new RequestMetrics(() => requests.active.size) : undefined
    requests = new Requests({
      serve: prepared.serve,
      limits: s,
      admission,
      priority,
      requestTimeout: s.requestTimeout,
      streamRoutes: s.streamRoutes,
      keepaliveMs: s.keepalive,
      trusted,
      workerId: id,
      log,
      accessLog,
      metrics,
      stalls,
      hooks,
      worker: view,
    })
    upgrades = upgradesFor(s, prepared.app, { admission, priority, trusted, workerId: id, log, accessLog, metrics })
    // One server per address (a server listens once), all with the same request path. TLS and
    // HTTP/2 servers come from a module only their workers load.
    const fromMaster = env[WorkerEnv.listeners] ? JSON.parse(env[WorkerEnv.listeners]!) as string[] : undefined
    const serverOptions = {
      limits: s, keepaliveMs: s.keepalive, headerTimeoutMs: s.headerTimeout, log,
      slowClients: { bodyTimeoutMs: s.bodyTimeout, bodyMinRate: s.bodyMinRate, sendTimeoutMs: s.sendTimeout },
    }
    const secure = s.certfile !== null || s.h2c ? await import('./secure-servers.js') : undefined
    if (secure) protocols = secure.protocolsFor(s, prepared.app)
    servers = (fromMaster ?? binds).map(() => secure && protocols
      ? secure.createSecureServerFor(serverOptions, protocols, TrackedResponse, requests.handle)
      : createHttpServer(serverOptions, TrackedResponse, requests.handle))
    if (upgrades) for (const server of servers) server.on('upgrade', upgrades.handle)
    for (const server of servers) server.on('checkContinue', requests.handleContinue)
    const listening: string[] = []
    if (fromMaster) {
      intake.fromMaster(servers)
      listening.push(...fromMaster)
    } else {
      own = servers.map((server) => (s.proxyProtocol ? createNetServer() : server))
      for (const [i, bind] of binds.entries()) {
        if (own[i] !== servers[i]) intake.from(own[i], servers[i])
        listening.push(await listen(own[i], bind, s.backlog, reusePort && bind.kind === 'tcp'))
      }
    }
    await prepared.app?.ready?.()
    await callHook(hooks, 'postWorkerInit', log, true, view)
    await graph?.flush(2000)
    reportModules()
    graph?.onAdded(250, (files) => report({ type: 'modules', files }))
    report({ type: 'ready', pid: process.pid, listening, balance: env[WorkerEnv.balance] ?? '' })
  } catch (err) {
    // The files it got as far as loading, the broken one among them: fixing it is the change that reloads.
    reportModules()
    report({ type: 'boot-failed', error: toErrorData(err) })
    flushAll()
    // Give the IPC message a moment to leave before the channel closes with the process.
    setTimeout(() => process.exit(WorkerExit.bootFailed), 50)
    return
  }

  // The watchdog captures the stack at half the worker timeout, before the arbiter kills at the full one.
  // The same thread takes the stack of a loop stall (stall-probe.ts); --no-worker-stacks leaves the
  // stuck report out of it, and with stalls off too there is no thread at all (about 9 MB less).
  const stuckStacks = s.workerTimeout > 0 && s.workerStacks
  const watchdog = stuckStacks || stalls
    ? startWatchdog(stuckStacks ? s.workerTimeout / 2 : 0, stalls?.watch)
    : undefined
  if (stuckStacks) exposeInFlight(() => inFlightNow(requests))
  // Node emits no 'disconnect' when the channel closes while a handle this worker sent waits for the
  // master's acknowledgement (a burst's socket copy, intake.ts): the master killed in that moment left
  // a worker serving on its own for good (Node 20 and 26 alike). Each beat looks at the channel itself.
  const onBeat = () => { watchdog?.tick(); if (!process.connected) arbiterGone() }
  const stopHeartbeat = startHeartbeat(requests, intake, beatInterval(s.workerTimeout), report, onBeat, overload)
  const stopBeats = () => { stopHeartbeat(); stalls?.stop(); return watchdog?.stop() }

  const finish = async (code: number) => {
    const watchdogGone = stopBeats()
    const failures = await closeResources()
    for (const f of failures) log.error({ err: f.error }, `closing ${f.name} failed`)
    await closeApp?.().catch((err) => log.error({ err }, 'closing the app failed'))
    await callHook(hooks, 'workerExit', log, false, view)
    await watchdogGone
    flushAll()
    process.exit(code)
  }

  drain = async (reason: string) => {
    if (phase === 'stopping') return
    phase = 'stopping'
    // The arbiter kills this worker 1 s after --graceful-timeout: streams still open at the timeout
    // are ended (streams.ts) before that, counted from now, before any wait below.
    const endStreamsAt = Date.now() + s.gracefulTimeout
    report({ type: 'draining', reason })
    log.debug({ reason }, 'draining')
    // With reuseport this worker holds its own listening socket: take what already waits in its
    // accept queue before closing it (closing would reset those connections).
    if (reusePort) await untilNoneWaiting(tcpPorts(binds), { held: false, timeoutMs: LISTEN_QUEUE_MAX_MS }).catch(() => undefined)
    // http.Server#close would also close idle keep-alive connections at once, racing any client
    // that is sending its next request on one (it would see a reset). net.Server#close only stops
    // accepting: an idle connection either brings one more request, answered with Connection:
    // close, or reaches --keepalive, which clients know from the Keep-Alive header and avoid.
    const closed = own.map((server) => new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve())))
    intake.stopBursts()
    // HTTP/2 clients are told to open no more streams (GOAWAY); WebSockets get a close frame (1001).
    protocols?.sessions.goAway()
    await Promise.all([requests.drain(Math.max(0, endStreamsAt - Date.now())), upgrades?.drain()])
    await Promise.all([...closed, intake.idle()])
    intake.close()
    await finish(WorkerExit.ok)
  }

  stopNow = async (why: string) => {
    if (phase === 'stopping' && why !== 'SIGQUIT') return
    phase = 'stopping'
    intake.close()
    await callHook(hooks, 'workerInt', log, false, view)
    for (const server of [...own, ...servers]) server.close()
    requests.destroyAll()
    upgrades?.destroyAll()
    protocols?.sessions.destroyAll()
    for (const server of servers) server.closeAllConnections()
    await finish(WorkerExit.ok)
  }

  phase = 'serving'
  if (retireAfterBoot !== undefined) void drain(retireAfterBoot)
  // The arbiter sends SIGABRT to a worker whose loop stopped beating, then SIGKILL shortly after:
  // if the loop comes back in between, the workerAbort hook gets its chance.
  process.on('SIGABRT', () => {
    void callHook(hooks, 'workerAbort', log, false, view).finally(() => { flushAll(); process.exit(WorkerExit.crash) })
  })
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; the worker exits and the arbiter starts another')
    flushAll()
    process.exit(WorkerExit.crash)
  })
  process.on('unhandledRejection', (err) => {
    log.error({ err }, 'unhandled promise rejection in the app')
  })
}
