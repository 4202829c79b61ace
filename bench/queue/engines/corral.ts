/** corral's own queue (src/io/queue): a table, FOR UPDATE SKIP LOCKED, leases renewed while a job runs. */
import { createDb } from '../../../src/io/db/pool.js'
import { createQueue } from '../../../src/io/queue/queue.js'
import type { Consumer } from '../../../src/io/queue/consumer.js'
import type { EngineFactory } from './engine.js'

export const corral: EngineFactory = async ({ databaseUrl, tag, fastRecovery }) => {
  const schema = `qbench_corral_${tag}`
  const db = createDb({ url: databaseUrl, size: 10, closeWithWorker: false, name: `bench-${tag}` })
  const queue = await createQueue({ db, schema })
  const leaseMs = fastRecovery ? 2000 : 30_000
  const consumers: Consumer[] = []
  return {
    name: 'corral',
    recovery: `leaseMs ${leaseMs} (renewed every leaseMs/3 while a job runs)`,
    async enqueue(payload) { await queue.enqueue('bench', payload) },
    async work(concurrency, handler) {
      consumers.push(queue.work<{ n: number; sentAt: number }>('bench', (job) => handler(job.payload), { concurrency, leaseMs, pollMs: 500 }))
    },
    async close() {
      await Promise.all(consumers.map((c) => c.stop(1000)))
      await queue.close(1000)
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
      await db.close()
    },
  }
}
