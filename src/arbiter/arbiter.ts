/**
 * The arbiter: it spawns workers, reaps the ones that exit, watches their heartbeats, recycles
 * and rolls them, and stops them. It never runs app code. Its verbs (docs/glossary.md) are its
 * methods, and each log line and metric label uses the same word.
 */
import cluster, { type Worker as ClusterWorker } from 'node:cluster'
import { EventEmitter } from 'node:events'
import { fileURLToPath } from 'node:url'
import { callHook, type Hooks, type ServerView } from '../config/hooks.js'
import type { Settings } from '../config/settings/index.js'
import { corralError, type CorralError } from '../errors.js'
import { send } from '../ipc/channel.js'
import { isWorkerMessage, WorkerEnv, WorkerExit, type WorkerMessage } from '../ipc/messages.js'
import type { Logger } from '../logging/logger.js'
import type { Balance } from './balance.js'
import { untilNoneWaiting } from '../net/listen-queue.js'
import { relayCacheOp } from './cache-relay.js'
import { WorkerRecord, type ExitReason } from './worker-record.js'
import { workerFlags } from './worker-flags.js'

export interface ArbiterOptions {
  settings: Settings
  hooks: Hooks
  log: Logger
  workers: number
  threads: number
  balance: Balance
  /** Extra env for every worker (the database URL and pool size the master resolved). */
  env?: Record<string, string>
}

/** After this long up, a worker's crash no longer counts towards the crash-loop backoff. */
const STABLE_MS = 10_000
const MAX_BACKOFF_MS = 30_000
/**
 * The longest a graceful stop waits for the listen queue to empty. The master accepts in
 * microseconds, so a queue stays full only under a flood that keeps refilling it.
 */
const LISTEN_QUEUE_MAX_MS = 5_000

const jitter = (n: number) => (n > 0 ? Math.floor(Math.random() * (n + 1)) : 0)

export class Arbiter extends EventEmitter {
  settings: Settings
  hooks: Hooks
  readonly log: Logger
  readonly balance: Balance
  threads: number
  env: Record<string, string>
  target: number
  generation = 1
  state: 'booting' | 'running' | 'stopping' = 'booting'
  /** Runs when a stop begins, before any worker is retired: the master stops accepting and hands out what it holds. */
  beforeRetire: ((mode: 'graceful' | 'now') => Promise<void>) | undefined
  /** The ports of the master's own listening sockets, when they are not the settings' (socket activation, an upgrade). */
  listenPorts: number[] | undefined
  /**
   * With round-robin (dispatch.ts): connections accepted by the master and not yet taken by a
   * worker, and the bursts taken by the workers themselves so far and the copies of the sockets they were sent beyond the first
   * (undefined without --burst-intake); and what the share gave a leading worker once its hold ran out (share.ts).
   */
  intake: { waiting(): number; bursts(): number | undefined; copies(): number | undefined; pastHold(): { connections: number; copies: number | null; fromCopies: number | null } } | undefined
  /** A new master took the listening sockets (SIGUSR2): what waits in their queue is its to take. */
  handedOver = false
  readonly #workers = new Map<number, WorkerRecord>()
  #nextId = 1
  #crashes = 0
  #respawnTimer: NodeJS.Timeout | undefined

  constructor(o: ArbiterOptions) {
    super()
    this.settings = o.settings
    this.hooks = o.hooks
    this.log = o.log
    this.balance = o.balance
    this.threads = o.threads
    this.target = o.workers
    this.env = o.env ?? {}
    cluster.setupPrimary({ exec: fileURLToPath(new URL('../worker/main.js', import.meta.url)), silent: false })
  }

  workers(): WorkerRecord[] { return [...this.#workers.values()] }
  /** Workers that count towards capacity: booting or ready, not draining. */
  serving(): WorkerRecord[] { return this.workers().filter((w) => w.state !== 'draining') }
  ready(): WorkerRecord[] { return this.workers().filter((w) => w.state === 'ready') }

  view(): ServerView {
    return { settings: this.settings, generation: this.generation, workers: () => this.workers().map((w) => ({ id: w.id, pid: w.pid, generation: w.generation })) }
  }

  /** Boot the first workers; any that fails to boot stops the whole start with its error. */
  async start(): Promise<void> {
    const booting = Array.from({ length: this.target }, () => this.spawn())
    const results = await Promise.all(booting.map((w) => this.untilReady(w, this.settings.bootTimeout)))
    const failed = results.find((r): r is CorralError => r !== true)
    if (failed) {
      await this.stop('now')
      throw failed
    }
    // A stop may have begun while the last worker's "ready" was on its way: it stays a stop, or
    // the stopped workers would be reaped as if running, and replaced.
    if (this.state === 'booting') this.state = 'running'
  }

  spawn(): WorkerRecord {
    const id = this.#nextId++
    const s = this.settings
    void callHook(this.hooks, 'preFork', this.log, false, this.view(), { id, pid: 0, generation: this.generation })
    // Set before each fork: a reload may have changed --worker-semi-space.
    cluster.setupPrimary({ execArgv: workerFlags(s.workerSemiSpace) })
    const child: ClusterWorker = cluster.fork({
      ...this.env,
      [WorkerEnv.id]: String(id),
      [WorkerEnv.generation]: String(this.generation),
      [WorkerEnv.settings]: JSON.stringify({ ...s, threads: this.threads }),
      [WorkerEnv.balance]: this.balance,
    })
    const w = new WorkerRecord(id, this.generation, child,
      s.maxRequests > 0 ? s.maxRequests + jitter(s.maxRequestsJitter) : 0,
      s.maxWorkerLifetime > 0 ? s.maxWorkerLifetime + jitter(s.maxWorkerLifetimeJitter) : 0)
    this.#workers.set(id, w)
    child.on('message', (m: unknown, handle?: unknown) => { if (isWorkerMessage(m)) this.#onMessage(w, m, handle) })
    child.on('exit', (code, signal) => this.reap(w, code, signal))
    child.on('error', (err) => this.log.debug({ err, worker: id }, 'worker channel error'))
    this.log.info({ worker: id, generation: w.generation }, `Booting worker ${id} with pid: ${w.pid}`)
    return w
  }

  /** Resolves true once w is ready, or the error that stopped it (boot failure, exit, or boot timeout). */
  untilReady(w: WorkerRecord, timeoutMs: number): Promise<true | CorralError> {
    if (w.state === 'ready') return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = timeoutMs > 0 ? setTimeout(() => {
        done(corralError('CORRAL_ERR_WORKER_BOOT', w.id, `not ready after ${timeoutMs}ms (--boot-timeout)`))
        this.kill(w, 'boot_failed')
      }, timeoutMs) : undefined
      const onReady = (r: WorkerRecord) => { if (r === w) done(true) }
      const onGone = (r: WorkerRecord) => {
        if (r !== w) return
        const e = w.bootError
        const err = corralError('CORRAL_ERR_WORKER_BOOT', w.id, e ? e.stack ?? e.message : `it exited (${w.process.process.exitCode ?? w.process.process.signalCode}) before it was ready`)
        if (e?.code) (err as CorralError & { cause?: unknown }).cause = e
        if (e?.code === 'CORRAL_ERR_APP_LOAD' || e?.code === 'CORRAL_ERR_APP_EXPORT' || e?.code === 'CORRAL_ERR_BIND' || e?.code === 'CORRAL_ERR_HOOK' || e?.code === 'CORRAL_ERR_WORKER_CLASS' || e?.code === 'CORRAL_ERR_HTTP2_APP' || e?.code === 'CORRAL_ERR_SETTING') {
          // The worker's own error is the clearer one: keep its code (and so its exit status) and its message.
          const own = corralError(e.code, '')
          own.message = e.message
          own.stack = e.stack
          return done(own)
        }
        done(err)
      }
      const done = (r: true | CorralError) => {
        clearTimeout(timer)
        this.off('ready', onReady)
        this.off('exit', onGone)
        resolve(r)
      }
      this.on('ready', onReady)
      this.on('exit', onGone)
    })
  }

  #onMessage(w: WorkerRecord, m: WorkerMessage, handle?: unknown): void {
    switch (m.type) {
      case 'ready':
        w.readyAt = Date.now()
        w.lastBeatAt = Date.now()
        // Retired while it booted: it listens for the arbiter only now, so tell it now.
        if (w.state === 'draining') send(w.process, { type: 'retire', reason: w.exitReason ?? 'stop' })
        else w.state = 'ready'
        this.log.debug({ worker: w.id, listening: m.listening }, 'worker ready')
        this.emit('ready', w)
        break
      case 'stall':
        w.stalls = m.stalls
        w.starved = m.starved
        if (m.last) w.lastStall = m.last
        break
      case 'boot-failed':
        w.bootError = m.error
        w.exitReason = 'boot_failed'
        break
      case 'beat':
        w.lastBeatAt = Date.now()
        w.beat = m
        w.connections = m.connections
        this.emit('beat', w)
        break
      case 'draining':
        w.state = 'draining'
        break
      case 'signalled':
        this.emit('signalled', w, m.signal)
        break
      case 'accepted':
        w.connections = m.open
        this.emit('accepted', w)
        break
      case 'refused':
        this.emit('refused', w)
        break
      case 'burst-copy':
        if (handle) this.emit('burst-copy', w, m.listener, handle)
        break
      case 'burst-more':
        w.connections = m.open
        this.emit('burst-more', w, m.listener)
        break
      case 'cache-publish':
        void relayCacheOp(w, m, this.workers())
        break
      case 'modules':
        this.emit('modules', w, m.files)
        break
      case 'metrics':
      case 'cache-applied':
        break // answered through ipc/channel.request
    }
  }

  /** Collect a worker that exited: record why, tell the hooks, and keep the worker count. */
  reap(w: WorkerRecord, code: number | null, signal: string | null): void {
    this.#workers.delete(w.id)
    clearTimeout(w.killTimer)
    const reason: ExitReason = w.exitReason ?? (code === WorkerExit.bootFailed ? 'boot_failed' : 'crash')
    const deliberate = w.exitReason !== undefined && w.exitReason !== 'boot_failed'
    const line = { worker: w.id, code, signal, reason }
    if (deliberate || this.state === 'stopping') this.log.info(line, `Worker ${w.id} (pid: ${w.pid}) exited: ${reason}`)
    else if (reason === 'boot_failed') this.log.error(line, `Worker ${w.id} (pid: ${w.pid}) failed to boot: ${w.bootError ? `${w.bootError.code ?? 'error'}: ${w.bootError.message}` : 'it exited early'}`)
    else this.log.error(line, `Worker ${w.id} (pid: ${w.pid}) died (${signal ?? `exit ${code}`}); starting another`)
    this.emit('exit', w, reason)
    void callHook(this.hooks, 'childExit', this.log, false, this.view(), { id: w.id, pid: w.pid, generation: w.generation, code, signal, reason })
    if (this.state !== 'running') return
    if (!deliberate) {
      const up = Date.now() - (w.readyAt ?? w.spawnedAt)
      this.#crashes = w.readyAt !== undefined && up > STABLE_MS ? 1 : this.#crashes + 1
    }
    this.maintain()
  }

  /** Spawn until the serving count meets the target; after repeated crashes, wait longer each time. */
  maintain(): void {
    if (this.state !== 'running' || this.#respawnTimer) return
    const missing = this.target - this.serving().length
    if (missing <= 0) return
    const delay = this.#crashes <= 1 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** (this.#crashes - 2))
    const go = () => {
      this.#respawnTimer = undefined
      if (this.state !== 'running') return
      for (let i = this.target - this.serving().length; i > 0; i--) {
        const w = this.spawn()
        void this.untilReady(w, this.settings.bootTimeout).then((r) => {
          if (r === true && Date.now() - w.spawnedAt < STABLE_MS) setTimeout(() => { if (w.state === 'ready') this.#crashes = 0 }, STABLE_MS).unref()
        })
      }
    }
    if (delay === 0) return go()
    this.log.warn({ delayMs: delay, crashes: this.#crashes }, `workers keep crashing; next spawn in ${delay}ms`)
    this.#respawnTimer = setTimeout(go, delay)
  }

  /** Ask a worker to drain and exit; kill it if it is still there after the graceful timeout. */
  retire(w: WorkerRecord, reason: ExitReason): void {
    if (w.exitReason && w.state === 'draining') return
    w.exitReason = reason
    // A worker still booting may not listen to its IPC channel yet: it is told once it says ready.
    if (w.state !== 'booting') send(w.process, { type: 'retire', reason })
    w.state = 'draining'
    w.killTimer = setTimeout(() => {
      this.log.warn({ worker: w.id }, `Worker ${w.id} still busy after the ${this.settings.gracefulTimeout}ms graceful timeout; killing it`)
      w.process.process.kill('SIGKILL')
    }, this.settings.gracefulTimeout + 1000)
  }

  /** Signal a worker without asking. */
  kill(w: WorkerRecord, reason: ExitReason, signal: NodeJS.Signals = 'SIGKILL'): void {
    w.exitReason ??= reason
    w.state = 'draining'
    try { w.process.process.kill(signal) } catch { /* already gone */ }
  }

  /** Change the worker count: spawn the missing, retire the newest extras. */
  scale(to: number): void {
    const before = this.target
    this.target = Math.max(1, to)
    // Said aloud: an operator's SIGTTOU that changes nothing should not look lost.
    if (to < 1) this.log.warn({ from: before, asked: to }, `Scaling to ${to} workers refused: keeping at least 1`)
    if (this.target === before) return
    this.log.info({ from: before, to: this.target }, `Scaling workers from ${before} to ${this.target}`)
    const extra = this.serving().slice(this.target).reverse()
    for (const w of extra.slice(0, Math.max(0, this.serving().length - this.target))) this.retire(w, 'scale')
    this.maintain()
    void callHook(this.hooks, 'nworkersChanged', this.log, false, this.view(), this.target, before)
  }

  /**
   * Stop every worker: graceful drains them (killing stragglers after the timeout); now cuts them off.
   * A graceful stop first lets the workers take every connection already waiting in the listen
   * queue: the clients of those see an open connection, and closing the socket would reset them.
   */
  async stop(mode: 'graceful' | 'now'): Promise<void> {
    const escalating = this.state === 'stopping'
    this.state = 'stopping'
    clearTimeout(this.#respawnTimer)
    if (mode === 'graceful' && !escalating && !this.handedOver) await this.#emptyListenQueue()
    if (!escalating) await this.beforeRetire?.(mode)
    const all = this.workers()
    const gone = Promise.all(all.map((w) => new Promise<void>((resolve) => {
      if (w.process.isDead()) return resolve()
      w.process.once('exit', () => resolve())
    })))
    for (const w of all) {
      if (mode === 'graceful') this.retire(w, 'stop')
      else {
        w.exitReason = 'stop'
        send(w.process, { type: 'stop-now' })
        w.killTimer = setTimeout(() => w.process.process.kill('SIGKILL'), 2000)
      }
    }
    await gone
  }

  /** Wait (bounded) until no connection waits in the listen queue or in the master's hand-off to a worker (dispatch.ts). */
  async #emptyListenQueue(): Promise<void> {
    const s = this.settings
    const binds = s.bind.length > 0 ? s.bind : [{ kind: 'tcp' as const, host: s.host, port: s.port }]
    const ports = this.listenPorts ?? binds.flatMap((b) => (b.kind === 'tcp' ? [b.port] : []))
    const emptied = await untilNoneWaiting(ports, { held: true, timeoutMs: Math.min(s.gracefulTimeout, LISTEN_QUEUE_MAX_MS) }).catch(() => undefined)
    if (!emptied || emptied.initial === 0) return
    if (emptied.left > 0) this.log.warn(emptied, `${emptied.left} connections were still waiting for a worker after ${emptied.waitedMs}ms; they are reset`)
    else this.log.info(emptied, `Handed the ${emptied.initial} connections waiting to be accepted to the workers before draining`)
  }
}
