/**
 * What a watchdog thread that looks every `step` ms costs the process, by how it sleeps between
 * looks: a promise timer (timers/promises), a setInterval, a new setTimeout per look (the stall
 * detector's deadlines), or a futex (Atomics.wait). The stall
 * detector's thread looks every threshold / 4 while requests are in flight (stall-probe.ts).
 *   node --import tsx bench/micro/thread-wakeups.ts [step ms, default 12]
 * Prints the process's CPU per second over 4 s for each, after a second to settle, and for a
 * thread that never wakes (the baseline).
 */
import { Worker } from 'node:worker_threads'

const step = Number(process.argv[2] ?? 12)
const bodies: Record<string, string> = {
  none: 'setInterval(() => {}, 1e9)',
  'promise timer': `const { setTimeout: sleep } = require('node:timers/promises'); (async () => { for (;;) await sleep(${step}) })()`,
  setInterval: `setInterval(() => {}, ${step})`,
  'setTimeout chain': `(function look() { setTimeout(look, ${step}) })()`,
  'Atomics.wait': `const a = new Int32Array(new SharedArrayBuffer(4)); (function turn() { const end = performance.now() + 100; do Atomics.wait(a, 0, 0, ${step}); while (performance.now() < end); setImmediate(turn) })()`,
}

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const [name, body] of Object.entries(bodies)) {
  const thread = new Worker(body, { eval: true })
  await pause(1000)
  const before = cpuMs()
  await pause(4000)
  console.log(`${name.padEnd(16)} step ${step} ms: ${((cpuMs() - before) / 4).toFixed(1)} ms of CPU a second`)
  await thread.terminate()
}
