/** What the arbiter knows of one worker process. */
import type { Worker as ClusterWorker } from 'node:cluster'
import type { WorkerView } from '../config/hooks.js'
import type { ErrorData } from '../errors.js'
import type { WorkerMessage } from '../ipc/messages.js'

export type WorkerState = 'booting' | 'ready' | 'draining'

/** Why a worker went away: the label of corral_worker_restarts_total and of the log line. */
export type ExitReason = 'crash' | 'timeout' | 'max_requests' | 'lifetime' | 'memory' | 'reload' | 'scale' | 'killed' | 'stop' | 'boot_failed' | 'sigterm'

export class WorkerRecord implements WorkerView {
  readonly id: number
  readonly generation: number
  readonly process: ClusterWorker
  readonly spawnedAt = Date.now()
  state: WorkerState = 'booting'
  readyAt: number | undefined
  lastBeatAt = Date.now()
  beat: Extract<WorkerMessage, { type: 'beat' }> | undefined
  /** Set when the arbiter decides the worker's end, so reap can tell a retire from a crash. */
  exitReason: ExitReason | undefined
  bootError: ErrorData | undefined
  /** This worker's own recycle thresholds, jitter applied once at spawn. */
  readonly maxRequests: number
  readonly maxLifetimeMs: number
  killTimer: NodeJS.Timeout | undefined
  /** Event-loop stalls the worker reported, and the last one; stalls of a worker waiting for a CPU apart. */
  stalls = 0
  starved = 0
  lastStall: Extract<WorkerMessage, { type: 'stall' }>['last']
  /** Connections it holds: its last report (a beat, `accepted`, `burst-more`) and those handed to it since (arbiter/share.ts). */
  connections = 0

  constructor(id: number, generation: number, process: ClusterWorker, maxRequests: number, maxLifetimeMs: number) {
    this.id = id
    this.generation = generation
    this.process = process
    this.maxRequests = maxRequests
    this.maxLifetimeMs = maxLifetimeMs
  }

  get pid(): number { return this.process.process.pid ?? 0 }
  get served(): number { return this.beat?.served ?? 0 }
  get inFlight(): number { return this.beat?.inFlight ?? 0 }
  get rss(): number { return this.beat?.rss ?? 0 }

  view(now = Date.now()) {
    return {
      id: this.id, pid: this.pid, generation: this.generation, state: this.state,
      ageMs: now - this.spawnedAt, served: this.served, inFlight: this.inFlight, connections: this.connections,
      // beatAt is the worker's clock as it sent its last beat: a reader on the same host can tell
      // whether that beat went out after something it saw the worker do.
      heartbeatAgeMs: now - this.lastBeatAt, beatAt: this.beat?.at ?? null, rss: this.rss,
      loopLagMs: this.beat?.loopLagMs ?? 0, loopUtilization: this.beat?.loopUtilization ?? 0,
      overload: this.beat?.overload ?? null,
      stalls: this.stalls, starvedStalls: this.starved,
      lastStall: this.lastStall && { ms: this.lastStall.ms, role: this.lastStall.role, routes: this.lastStall.routes, agoMs: now - this.lastStall.at },
    }
  }
}
