/**
 * BullMQ on Redis. Crash detection: a worker renews its job's lock (lockDuration, default 30 s);
 * the stalled-job check (stalledInterval, default 30 s) moves a job whose lock lapsed back to wait.
 * fastRecovery: lockDuration 2 s, stalledInterval 1 s.
 */
import { Queue, Worker } from 'bullmq'
import type { EngineFactory } from './engine.js'

export const bullmq: EngineFactory = async ({ redisUrl, tag, fastRecovery }) => {
  const { hostname, port } = new URL(redisUrl)
  const connection = { host: hostname, port: Number(port || 6379), maxRetriesPerRequest: null }
  const prefix = `qbench:${tag}`
  const queue = new Queue('bench', { connection, prefix })
  const workers: Worker[] = []
  const lock = fastRecovery ? { lockDuration: 2000, stalledInterval: 1000 } : {}
  return {
    name: 'BullMQ',
    recovery: fastRecovery ? 'lockDuration 2000 ms, stalledInterval 1000 ms' : 'lockDuration 30 s, stalledInterval 30 s (defaults)',
    async enqueue(payload) { await queue.add('job', payload, { removeOnComplete: true }) },
    async work(concurrency, handler) {
      const worker = new Worker('bench', async (job) => { await handler(job.data) }, { connection, prefix, concurrency, ...lock })
      await worker.waitUntilReady()
      workers.push(worker)
    },
    async close() {
      await Promise.all(workers.map((w) => w.close(true)))
      // Only this run's keys (its prefix); the shared Redis is left as it was.
      await queue.obliterate({ force: true }).catch(() => {})
      await queue.close()
    },
  }
}
