/**
 * pg-boss (its own tables, SKIP LOCKED). Tuned for throughput: a queue with NOTIFY, polling at its
 * 0.5 s floor, and batches of `concurrency` jobs fetched again at once while they come back full
 * (burstWhenBatchFull), their jobs run side by side. With batchSize 1 a fetch loop waits a poll
 * interval after every job (burst mode is off for single jobs): 8 loops then run at most 16 jobs/s.
 * Crash detection: without a heartbeat a claimed job comes back after expireInSeconds (default
 * 15 min); fastRecovery sets the shortest heartbeat it allows (10 s) and supervises every second.
 */
import { PgBoss } from 'pg-boss'
import type { EngineFactory } from './engine.js'

export const pgBoss: EngineFactory = async ({ databaseUrl, tag, fastRecovery }) => {
  const schema = `qbench_pgboss_${tag}`
  const boss = new PgBoss({
    connectionString: databaseUrl, schema, max: 10, useListenNotify: true,
    ...(fastRecovery ? { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 } : {}),
  })
  boss.on('error', (err) => console.error('pg-boss:', err))
  await boss.start()
  await boss.createQueue('bench', { notify: true, ...(fastRecovery ? { heartbeatSeconds: 10 } : {}) } as never)
  return {
    name: 'pg-boss',
    recovery: fastRecovery ? 'heartbeatSeconds 10 (its floor), supervise every 1 s' : 'expireInSeconds 900 (default), no heartbeat',
    async enqueue(payload) { await boss.send('bench', payload) },
    async work(concurrency, handler) {
      await boss.work<{ n: number; sentAt: number }>('bench',
        { batchSize: concurrency, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
        async (jobs) => { await Promise.all(jobs.map((job) => handler(job.data))) })
    },
    async close() {
      await boss.stop({ graceful: false, wait: true, timeout: 1000 } as never).catch(() => {})
      const { default: pg } = await import('pg')
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await client.end()
    },
  }
}
