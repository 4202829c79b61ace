/**
 * offload() in a real worker (issue 17): tasks run on the worker's thread pool while its event loop
 * serves; the queue is bounded; ctx.signal drops a waiting task and abandons a running one; errors
 * come back with their stack; buffers move instead of being copied. The tasks hold their thread
 * until the test releases them (a flag in a SharedArrayBuffer), so no step depends on a timing.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodeLines, runCli, startCorral, type Running } from '../support/corral.js'
import { scrape, total, until } from '../support/metrics.js'
import { pollFor } from '../support/poll.js'

const app = fileURLToPath(new URL('./fixtures/offload-app.ts', import.meta.url))
const get = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init)
  return { status: res.status, headers: res.headers, body: await res.text() }
}
const busy = (admin: string, n: number) => until(admin, `${n} busy offload threads`, (s) => total(s, 'corral_offload_threads_busy') === n)
const queued = (admin: string, n: number) => until(admin, `${n} queued offload tasks`, (s) => total(s, 'corral_offload_queue_length') === n)
const outcome = (task: string, name: string) => ({ task: `offload-tasks.ts:${task}`, outcome: name })

describe('offload() on a worker\'s thread pool', () => {
  let server: Running
  before(async () => {
    server = await startCorral(undefined, app, { args: ['--workers', '1', '--offload-threads', '1', '--offload-queue', '1'] })
  })
  after(() => server.stop())

  it('runs a CPU-bound task on a thread while the worker\'s event loop answers its other requests', async () => {
    let held = false
    const hold = get(server.url + '/hold?key=cpu').then((r) => { held = true; return r })
    await busy(server.admin, 1)
    for (let i = 0; i < 20; i++) {
      const r = await get(server.url + '/')
      assert.equal(r.body, 'Hello, World!')
    }
    assert.equal(held, false, 'the task is still burning CPU on its thread: only the release ends it')
    await get(server.url + '/release?key=cpu')
    const r = await hold
    assert.equal(r.status, 200)
    assert.equal(typeof JSON.parse(r.body).threadId, 'number')
    const s = await scrape(server.admin)
    assert.equal(total(s, 'corral_offload_threads'), 1)
    assert.equal(total(s, 'corral_offload_tasks_total', outcome('hold', 'ok')), 1)
  })

  it('refuses a task past --offload-queue with 503, and drops a waiting task whose client left, freeing its place', async () => {
    const hold = get(server.url + '/hold?key=q')
    await busy(server.admin, 1)
    const leaving = new AbortController()
    const left = fetch(server.url + '/queued?key=left', { signal: leaving.signal }).catch((err) => err)
    await queued(server.admin, 1)
    const refused = await get(server.url + '/queued?key=refused')
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '1')
    await server.waitFor(/CORRAL_ERR_OFFLOAD_FULL/)

    leaving.abort()
    await left
    await until(server.admin, 'the waiting task dropped', (s) =>
      total(s, 'corral_offload_tasks_total', outcome('whoami', 'dropped')) === 1 && total(s, 'corral_offload_queue_length') === 0)
    // Its place is free: the next task waits instead of being refused, and runs once the thread is.
    const next = get(server.url + '/queued?key=next')
    await queued(server.admin, 1)
    await get(server.url + '/release?key=q')
    assert.equal((await next).status, 200)
    assert.equal((await hold).status, 200)
    const seen = JSON.parse((await get(server.url + '/seen')).body)
    assert.match(seen.left, /^aborted: the client closed the connection/)
    assert.equal(seen.next, 'ran')
    const s = await scrape(server.admin)
    assert.equal(total(s, 'corral_offload_tasks_total', outcome('whoami', 'ok')), 1, 'the dropped task never ran')
    assert.equal(total(s, 'corral_offload_tasks_total', outcome('whoami', 'full')), 1)
  })

  it('gives the handler a task\'s error with its class fields, its stack from the task\'s line, and the caller\'s frames', async () => {
    const e = JSON.parse((await get(server.url + '/check')).body)
    assert.equal(e.message, 'password of 3 characters is too short')
    assert.equal(e.code, 'E_TOO_SHORT')
    assert.equal(e.field, 'password')
    const lines: string[] = e.stack.split('\n')
    assert.match(lines[1], /at check \(.*offload-tasks\.ts:\d+:\d+\)/, 'the first frame is the line that threw, in the thread')
    const bridge = lines.findIndex((l) => l.includes('at offload (corral/io)'))
    assert.ok(bridge > 1, e.stack)
    assert.match(lines.slice(bridge).join('\n'), /offload-app\.ts/, 'then the handler that called offload()')
    assert.doesNotMatch(e.stack, /piscina|offload[\\/]thread\.js/, 'the thread\'s plumbing is left out')

    const uncaught = await get(server.url + '/check-uncaught')
    assert.equal(uncaught.status, 500)
    await server.waitFor(/E_TOO_SHORT/)

    const missing = JSON.parse((await get(server.url + '/missing')).body)
    assert.equal(missing.code, 'CORRAL_ERR_OFFLOAD_TASK')
    assert.match(missing.message, /no exported function "noSuchTask" \(its functions: .*hold.*whoami/)
  })

  it('moves transferred buffers to the thread and a transfer()-marked result back, without copies', async () => {
    const r = JSON.parse((await get(server.url + '/transfer')).body)
    assert.equal(r.total, 1 << 20, 'the thread read the bytes')
    assert.equal(r.inputLeft, 0, 'the input moved: the caller\'s view is detached')
    assert.equal(r.output, 1 << 20)
    assert.equal(r.outputFirst, 7)
    assert.equal(r.movedBack, true, 'the result moved: the thread\'s copy is detached')
  })
})

describe('offload() and a request that ends early', () => {
  let server: Running
  before(async () => {
    server = await startCorral(undefined, app, {
      args: ['--workers', '1', '--offload-threads', '1', '--request-timeout', '2', '--offload-abandon-timeout', '1.5'],
    })
  })
  after(() => server.stop())

  it('drops a waiting task whose request passes its deadline (504), freeing its place', async () => {
    // Not tied to its request: the task runs on past the hold request's own deadline, until released.
    const hold = get(server.url + '/hold?key=d')
    await busy(server.admin, 1)
    const late = get(server.url + '/queued?key=late')
    await queued(server.admin, 1)
    assert.equal((await late).status, 504)
    await until(server.admin, 'the task dropped at the deadline', (s) =>
      total(s, 'corral_offload_tasks_total', outcome('whoami', 'dropped')) === 1 && total(s, 'corral_offload_queue_length') === 0)
    assert.equal(total(await scrape(server.admin), 'corral_offload_threads_busy'), 1, 'the held task still runs')
    await get(server.url + '/release?key=d')
    await hold
    await busy(server.admin, 0)
  })

  it('abandons a running task when its client leaves, keeping the thread if the task ends within --offload-abandon-timeout', async () => {
    const before = JSON.parse((await get(server.url + '/whoami')).body).threadId
    const leaving = new AbortController()
    const left = fetch(server.url + '/hold?key=a&signal=1', { signal: leaving.signal }).catch((err) => err)
    await busy(server.admin, 1)
    leaving.abort()
    await left
    // The handler heard the abort at once, while the task still holds its thread.
    await waitSeen(server, 'a', /^aborted/)
    assert.equal(total(await scrape(server.admin), 'corral_offload_threads_busy'), 1)
    await get(server.url + '/release?key=a')
    await until(server.admin, 'the abandoned task ended', (s) => total(s, 'corral_offload_tasks_total', outcome('hold', 'abandoned')) === 1)
    assert.equal(JSON.parse((await get(server.url + '/whoami')).body).threadId, before, 'the same thread serves on')
  })

  it('replaces the thread of an abandoned task that runs past --offload-abandon-timeout', async () => {
    const before = JSON.parse((await get(server.url + '/whoami')).body).threadId
    const leaving = new AbortController()
    const left = fetch(server.url + '/hold?key=r&signal=1', { signal: leaving.signal }).catch((err) => err)
    await busy(server.admin, 1)
    leaving.abort()
    await left
    await waitSeen(server, 'r', /^aborted/)
    // Never released: only terminating its thread ends it.
    await until(server.admin, 'the thread recycled', (s) =>
      total(s, 'corral_offload_tasks_total', outcome('hold', 'recycled')) === 1 && total(s, 'corral_offload_threads_busy') === 0)
    // The new thread imports the task module again; on a busy machine that can outlast a request's
    // 2 s deadline, so ask until one answers.
    let answer = await get(server.url + '/whoami')
    for (let i = 0; i < 10 && answer.status === 504; i++) answer = await get(server.url + '/whoami')
    assert.equal(answer.status, 200)
    assert.notEqual(JSON.parse(answer.body).threadId, before, 'a new thread')
  })
})

async function waitSeen(server: Running, key: string, pattern: RegExp): Promise<void> {
  let seen: Record<string, string | undefined> = {}
  await pollFor(`the handler of ${key} to see ${pattern}`, async () => {
    seen = JSON.parse((await get(server.url + '/seen')).body)
    return pattern.test(seen[key] ?? '')
  }, { timeoutMs: 10_000, everyMs: 25, last: () => `it saw ${seen[key]}` })
}

describe('offload() pool size', () => {
  it('divides the CPUs of a cgroup quota among the workers unless --offload-threads says', async () => {
    if (availableParallelism() < 2) return
    // The v2 files laid out in a folder (as test/config/worker-count.test.ts does): the one boundary a test cannot arrange for real.
    const root = mkdtempSync(join(tmpdir(), 'cgroup-'))
    mkdirSync(join(root, 'pod'), { recursive: true })
    writeFileSync(join(root, 'self.cgroup'), '0::/pod\n')
    writeFileSync(join(root, 'pod/cpu.max'), '150000 100000\n')
    const line = async (args: string[]) => /# offload threads resolve to (\d+) per worker: (.*)/.exec((await runCli(['print-config', '--explain', ...args], { env: { CORRAL_CGROUP_ROOT: root } })).stdout)!
    const one = await line(['--workers', '1'])
    assert.equal(one[1], '2')
    assert.match(one[2], /1.5 CPUs \/ 1 workers \(cgroup v2 cpu\.max quota of 1.5 CPUs\)/)
    assert.equal((await line([]))[1], '1', 'auto: 2 workers share the 1.5 CPUs')
    assert.equal((await line(['--offload-threads', '3']))[1], '3')
    const bad = await runCli(['print-config', '--offload-threads', '0'])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /setting offloadThreads: expected a positive integer or "auto", received "0"/)
  })
})

describe('offload() on every supported Node line', () => {
  for (const line of nodeLines) it(`loads a .ts task module in the thread on ${line.name} (native type stripping, tsx for the enum it refuses)`, { skip: line.skip }, async (t) => {
    const server = await startCorral(t, app, { args: ['--workers', '1'], node: line.node })
    const e = JSON.parse((await get(server.url + '/check')).body)
    assert.equal(e.code, 'E_TOO_SHORT')
    assert.match(e.stack, /at check \(.*offload-tasks\.ts:\d+:\d+\)/)
    assert.equal(JSON.parse((await get(server.url + '/transfer')).body).movedBack, true)
    await server.stop()
  })
})
