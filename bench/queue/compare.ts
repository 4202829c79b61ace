/**
 * The job queue against established engines: corral's (src/io/queue), pg-boss and
 * graphile-worker on the same PostgreSQL, BullMQ on Redis. For each engine, in rounds that
 * alternate the engines (so a busy machine slows them alike):
 *
 *   enqueue   N single-job enqueues from P concurrent producers (as request handlers make them)
 *   process   one consumer process, concurrency C, a no-op handler: N jobs, first run to last
 *   pickup    on an idle queue, enqueue one job and time until its handler starts (20 jobs)
 *   recovery  a consumer in its own process takes a job and is SIGKILLed; time until a live
 *             consumer runs that job (each engine with its shortest crash detection)
 *
 * Client CPU per job is this process's user+system time over the phase (the database's own is
 * not counted). pg-boss 12 and graphile-worker 0.18 need Node >= 22.18:
 *
 *   /work/node-versions/n24/node_modules/.bin/node --import tsx bench/queue/compare.ts \
 *     [--jobs 2000] [--producers 16] [--concurrency 8] [--rounds 3] [--engines corral,pg-boss,graphile-worker,bullmq]
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { ENGINES, engineOptions } from './engines/index.js'
import type { Engine } from './engines/engine.js'

const { values: args } = parseArgs({ options: {
  jobs: { type: 'string', default: '2000' },
  producers: { type: 'string', default: '16' },
  concurrency: { type: 'string', default: '8' },
  rounds: { type: 'string', default: '3' },
  engines: { type: 'string', default: Object.keys(ENGINES).join(',') },
  'recovery-timeout': { type: 'string', default: '60' },
} })
const JOBS = Number(args.jobs)
const PRODUCERS = Number(args.producers)
const CONCURRENCY = Number(args.concurrency)
const ROUNDS = Number(args.rounds)
const names = args.engines.split(',')
for (const n of names) if (!ENGINES[n]) throw new Error(`unknown engine ${n}: one of ${Object.keys(ENGINES).join(', ')}`)

const cpuMicros = () => { const u = process.cpuUsage(); return u.user + u.system }
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN }

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

interface Round { enqueuePerS: number; enqueueCpuUs: number; processPerS: number; processCpuUs: number; pickupMs: number }

async function throughput(engine: Engine): Promise<Round> {
  let next = 0
  let cpu = cpuMicros()
  let t0 = performance.now()
  await Promise.all(Array.from({ length: PRODUCERS }, async () => {
    while (next < JOBS) await engine.enqueue({ n: next++, sentAt: Date.now() })
  }))
  const enqueueS = (performance.now() - t0) / 1000
  const enqueueCpuUs = (cpuMicros() - cpu) / JOBS

  let ran = 0
  let first = 0
  let pickups: number[] | undefined
  await engine.work(CONCURRENCY, async ({ sentAt }) => {
    if (ran++ === 0) { first = performance.now(); cpu = cpuMicros() }
    pickups?.push(Date.now() - sentAt)
  })
  await until(`${engine.name}: ${JOBS} jobs processed`, () => ran >= JOBS, 120_000)
  const processS = (performance.now() - first) / 1000
  const processCpuUs = (cpuMicros() - cpu) / JOBS

  pickups = []
  for (let i = 0; i < 20; i++) {
    await engine.enqueue({ n: -1, sentAt: Date.now() })
    await until(`${engine.name}: pickup ${i}`, () => pickups!.length > i, 30_000)
  }
  t0 = 0
  return { enqueuePerS: JOBS / enqueueS, enqueueCpuUs, processPerS: JOBS / processS, processCpuUs, pickupMs: median(pickups) }
}

async function recovery(name: string, tag: string): Promise<{ ms: number | null; setting: string }> {
  const engine = await ENGINES[name]!(engineOptions(tag, true))
  const script = fileURLToPath(new URL('./crash-consumer.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script, name, tag], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  try {
    await until(`${name}: the crash consumer to start`, () => out.includes('consuming') || child.exitCode !== null, 120_000)
    await engine.enqueue({ n: 0, sentAt: Date.now() })
    await until(`${name}: the crash consumer to take the job`, () => out.includes('started') || child.exitCode !== null, 60_000)
    child.kill('SIGKILL')
    const killedAt = Date.now()
    let ranAt = 0
    await engine.work(1, async () => { ranAt ||= Date.now() })
    const timeoutMs = Number(args['recovery-timeout']) * 1000
    await until(`${name}: recovery`, () => ranAt > 0, timeoutMs).catch(() => {})
    return { ms: ranAt ? ranAt - killedAt : null, setting: engine.recovery }
  } finally {
    child.kill('SIGKILL')
    await engine.close()
  }
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')
console.log(`queue bench: ${JOBS} jobs, ${PRODUCERS} producers, concurrency ${CONCURRENCY}, ${ROUNDS} rounds; Node ${process.version}; load ${load()}`)
const results = new Map<string, Round[]>(names.map((n) => [n, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? [...names].reverse() : names) {
    const engine = await ENGINES[name]!(engineOptions(`${process.pid}_${round}`))
    try {
      const r = await throughput(engine)
      results.get(name)!.push(r)
      console.log(`round ${round + 1} ${name}: enqueue ${r.enqueuePerS.toFixed(0)}/s (${r.enqueueCpuUs.toFixed(0)} µs CPU/job), process ${r.processPerS.toFixed(0)}/s (${r.processCpuUs.toFixed(0)} µs CPU/job), pickup ${r.pickupMs} ms; load ${load()}`)
    } finally {
      await engine.close()
    }
  }
}

const recoveries = new Map<string, { ms: number | null; setting: string }>()
for (const name of names) {
  const r = await recovery(name, `${process.pid}_crash`)
  recoveries.set(name, r)
  console.log(`recovery ${name}: ${r.ms === null ? `not within ${args['recovery-timeout']} s` : `${r.ms} ms`} (${r.setting}); load ${load()}`)
}

console.log(`\n| engine | enqueue jobs/s | CPU µs/enqueue | process jobs/s | CPU µs/job | pickup ms | recovery after SIGKILL |`)
console.log(`|---|---|---|---|---|---|---|`)
for (const name of names) {
  const rs = results.get(name)!
  const m = (k: keyof Round) => median(rs.map((r) => r[k]))
  const rec = recoveries.get(name)!
  console.log(`| ${name} | ${m('enqueuePerS').toFixed(0)} | ${m('enqueueCpuUs').toFixed(0)} | ${m('processPerS').toFixed(0)} | ${m('processCpuUs').toFixed(0)} | ${m('pickupMs').toFixed(0)} | ${rec.ms === null ? `> ${args['recovery-timeout']} s` : `${(rec.ms / 1000).toFixed(1)} s`} (${rec.setting}) |`)
}
console.log(`\nmedians of ${ROUNDS} rounds; load average at the end ${load()}`)
process.exit(0)
