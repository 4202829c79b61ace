/**
 * What one offload() costs beyond its task: a task that does nothing, run N times one after the
 * other (latency: a round trip to a thread and back) and `threads` at a time (throughput), with the
 * process's CPU per call from process.cpuUsage (main thread and threads together). Below a task of
 * about this size, offloading costs more than it frees. Uses the dist build (npm run build).
 *   node bench/micro/offload-overhead.ts     (Node >= 23.6; or node --import tsx on older Node)
 */
import { availableParallelism } from 'node:os'
import { closeResources, offload, prepareOffload } from '../../dist/io/index.js'

const task = new URL('./offload-noop-task.mjs', import.meta.url)
const N = 5000

await prepareOffload(task)
async function measure(label: string, concurrency: number): Promise<void> {
  for (let i = 0; i < 500; i++) await offload(task, 'noop', [i]) // warm up
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < N) { next++; await offload(task, 'noop', [next]) }
  }))
  const wallUs = ((performance.now() - t0) * 1000) / N
  const cpu = process.cpuUsage(cpu0)
  console.log(`${label.padEnd(34)} ${wallUs.toFixed(1)} µs wall per call, ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU per call`)
}

await measure('one at a time (latency)', 1)
await measure(`${Math.max(1, Math.floor(availableParallelism()))} at a time (one per thread)`, Math.max(1, Math.floor(availableParallelism())))
await measure('64 at a time (queued)', 64)
await closeResources()
