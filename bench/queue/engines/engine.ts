/**
 * What the queue bench asks of each engine: a fresh store, single-job enqueues (as a request
 * handler makes them), a consumer with a concurrency, and a close that leaves nothing behind.
 */
export interface EngineOptions {
  /** postgres:// URL (the PostgreSQL engines) */
  databaseUrl: string
  /** redis:// URL (BullMQ) */
  redisUrl: string
  /** A name for this run's schema, key prefix and queue: nothing shared with other runs. */
  tag: string
  /**
   * Tune for recovery: the shortest crash detection the engine supports (a lease, a heartbeat, a
   * lock), where it has one.
   */
  fastRecovery?: boolean
}

export type JobHandler = (payload: { n: number; sentAt: number }) => Promise<void>

export interface Engine {
  readonly name: string
  /** The crash-detection setting in use, in words (for the report). */
  readonly recovery: string
  enqueue(payload: { n: number; sentAt: number }): Promise<void>
  /** Start consuming with `concurrency` jobs at once; resolves once the consumer runs. */
  work(concurrency: number, handler: JobHandler): Promise<void>
  /** Stop consuming, drop this run's schema or keys, close connections. */
  close(): Promise<void>
}

export type EngineFactory = (options: EngineOptions) => Promise<Engine>
