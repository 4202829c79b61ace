/**
 * graphile-worker (its own tables, LISTEN/NOTIFY to wake workers). It has no lease or heartbeat:
 * a job locked by a worker that died stays locked until its SQL's fixed 4-hour expiry (or until
 * someone calls forceUnlockWorkers with the dead worker's id), so fastRecovery changes nothing.
 */
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker'
import type { EngineFactory, JobHandler } from './engine.js'

export const graphileWorker: EngineFactory = async ({ databaseUrl, tag }) => {
  const schema = `qbench_graphile_${tag}`
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: databaseUrl, schema })
  await utils.migrate()
  const runners: Runner[] = []
  return {
    name: 'graphile-worker',
    recovery: 'none: a dead worker\'s lock expires after 4 hours (fixed in its SQL)',
    async enqueue(payload) { await utils.addJob('bench', payload) },
    async work(concurrency, handler: JobHandler) {
      runners.push(await run({
        connectionString: databaseUrl, schema, concurrency, maxPoolSize: 10, noHandleSignals: true,
        logger: quietLogger,
        taskList: { bench: async (payload) => { await handler(payload as { n: number; sentAt: number }) } },
      }))
    },
    async close() {
      await Promise.all(runners.map((r) => r.stop()))
      await utils.withPgClient((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => {})
      await utils.release()
    },
  }
}

// graphile-worker logs every job at info; the bench keeps errors only.
const quietLogger = new Logger(() => (level, message) => { if (level === 'error') console.error('graphile-worker:', message) })
