import { after, describe, it } from 'node:test'
import type { ServerResponse } from 'node:http'
import assert from 'node:assert/strict'
import { upstream, type Upstream, type UpstreamOptions } from '../../src/io/upstream.js'
import { SHARD_CONNECTIONS } from '../../src/io/upstream-pool.js'
import { gather, values } from '../../src/io/fanout.js'
import { registry } from '../../src/metrics/registry.js'
import { hang, ok, startUpstream, status, type TestUpstream } from './upstream-server.js'

const opened: { up: Upstream; server: TestUpstream }[] = []
after(async () => { for (const { up, server } of opened) { await up.close(); await server.close() } })

let seq = 0
async function pair(options: Partial<UpstreamOptions> = {}, handler = ok()) {
  const server = await startUpstream(handler)
  const up = upstream({ name: `test-${++seq}`, origin: server.origin, ...options })
  opened.push({ up, server })
  return { up, server }
}

const codeOf = (err: unknown) => (err as { code?: string }).code

describe('upstream client', () => {
  it('reuses its keep-alive connections for sequential requests', async () => {
    const { up, server } = await pair()
    for (let i = 0; i < 50; i++) assert.deepEqual(await up.json('/item'), { ok: true })
    assert.equal(server.requests, 50)
    // undici's Pool marks a connection free a tick after its answer ends, so a request sent at once
    // after the previous answer may open a second connection; the two then alternate. Not 50.
    assert.ok(server.connections <= 2, `opened ${server.connections} connections for 50 sequential requests`)
  })

  it('sends sequential requests over exactly one connection when the pool has one', async () => {
    const { up, server } = await pair({ connections: 1 })
    for (let i = 0; i < 20; i++) await up.json('/item')
    assert.equal(server.connections, 1)
  })

  it('opens no more connections than its pool size for concurrent requests, and reuses them', async () => {
    // The pool alone: the adaptive limit (upstream-limit.test.ts) may come down when a busy machine
    // delays the 5 ms answers, and then refuse calls that waited for a slot, which is its job, not this test's.
    const { up, server } = await pair({ connections: 4, limit: false }, (_req, res) => setTimeout(() => res.end('{}'), 5))
    await Promise.all(Array.from({ length: 50 }, () => up.json('/item')))
    assert.equal(server.requests, 50)
    assert.ok(server.connections >= 1 && server.connections <= 4, `opened ${server.connections} connections`)
    const before = server.connections
    await Promise.all(Array.from({ length: 50 }, () => up.json('/item')))
    assert.equal(server.connections, before, 'the second burst reused the pool')
  })

  // Past SHARD_CONNECTIONS the connections are split into several undici Pools (upstream-pool.ts).
  it('runs as many calls at once as its connections when they span several shards, and reuses them', async () => {
    const N = 150
    const held: ServerResponse[] = []
    // Answers nothing until N requests wait at once: a call stranded in a busy shard would hang the test.
    const { up, server } = await pair({ connections: N, limit: false }, (_req, res) => {
      held.push(res)
      if (held.length === N) for (const r of held.splice(0)) r.end('{}')
    })
    assert.ok(N > 2 * SHARD_CONNECTIONS)
    await Promise.all(Array.from({ length: N }, () => up.json('/item')))
    assert.equal(server.connections, N)
    await Promise.all(Array.from({ length: N }, () => up.json('/item')))
    assert.equal(server.connections, N, 'the second wave reused every connection')
  })

  it('queues calls past its connections across shards, and never opens more', async () => {
    let inFlight = 0
    let most = 0
    const { up, server } = await pair({ connections: 100, limit: false }, (_req, res) => {
      most = Math.max(most, ++inFlight)
      setTimeout(() => { inFlight--; res.end('{}') }, 5)
    })
    await Promise.all(Array.from({ length: 250 }, () => up.json('/item')))
    assert.equal(server.requests, 250)
    assert.ok(server.connections <= 100, `opened ${server.connections} connections`)
    assert.ok(most <= 100, `${most} requests at once`)
  })

  it('keeps sequential calls on one or two connections however large its pool', async () => {
    const { up, server } = await pair({ connections: 1024 })
    for (let i = 0; i < 50; i++) await up.json('/item')
    assert.ok(server.connections <= 2, `opened ${server.connections} connections for 50 sequential requests`)
  })

  it('aborts the in-flight upstream request when the request deadline passes', async () => {
    const { up, server } = await pair({ timeoutMs: 10_000 }, hang)
    const deadline = new AbortController()
    setTimeout(() => deadline.abort(Object.assign(new Error('deadline'), { code: 'CORRAL_ERR_DEADLINE' })), 50)
    const out = await gather(deadline.signal, {
      price: { run: (signal) => up.json<number>('/price/1', { signal }), fallback: () => 0 },
    })
    assert.deepEqual(values(out), { price: 0 })
    await server.waitAbandoned(1)  // the upstream saw the connection close: the I/O stopped, not just our wait
    assert.equal(server.abandoned, 1)
  })

  it('aborts the upstream request at its own timeoutMs with CORRAL_ERR_UPSTREAM_TIMEOUT', async () => {
    const { up, server } = await pair({ timeoutMs: 50 }, hang)
    await assert.rejects(up.json('/slow'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_TIMEOUT')
    await server.waitAbandoned(1)
  })

  it('retries an idempotent request after 503 answers and returns the success', async () => {
    let n = 0
    const { up, server } = await pair({ retries: 2, backoff: { baseMs: 1 } }, (req, res) => (++n <= 2 ? status(503) : ok({ n }))(req, res))
    assert.deepEqual(await up.json('/flaky'), { n: 3 })
    assert.equal(server.requests, 3)
  })

  it('does not retry a POST, but does when the caller marks it idempotent', async () => {
    const { up, server } = await pair({ retries: 2, backoff: { baseMs: 1 }, breaker: false }, status(503))
    const res = await up.request('/orders', { method: 'POST', json: { item: 1 } })
    assert.equal(res.status, 503)
    assert.equal(server.requests, 1)
    await up.request('/orders', { method: 'POST', json: { item: 1 }, idempotent: true })
    assert.equal(server.requests, 1 + 3)
  })

  it('retries a GET whose connection was reset', async () => {
    let n = 0
    const { up, server } = await pair({ retries: 1, backoff: { baseMs: 1 } }, (req, res) => {
      if (++n === 1) req.socket.destroy()
      else ok({ n })(req, res)
    })
    assert.deepEqual(await up.json('/item'), { n: 2 })
    assert.equal(server.requests, 2)
  })

  it('fails with CORRAL_ERR_UPSTREAM_FAILED when the upstream refuses connections', async () => {
    const server = await startUpstream()
    const origin = server.origin
    await server.close()
    const up = upstream({ name: `test-${++seq}`, origin, retries: 1, backoff: { baseMs: 1 } })
    try {
      await assert.rejects(up.json('/x'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_FAILED' && /ECONNREFUSED/.test((err as Error).message))
    } finally { await up.close() }
  })

  it('throws CORRAL_ERR_UPSTREAM_STATUS from json() on a non-2xx answer, and request() returns it', async () => {
    const { up } = await pair({}, status(404))
    await assert.rejects(up.json('/missing'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_STATUS' && (err as { upstreamStatus?: number }).upstreamStatus === 404)
    const res = await up.request('/missing')
    assert.equal(res.status, 404)
    assert.equal(res.body.toString(), 'status 404')
  })

  it('returns undefined from json() for an empty 2xx body', async () => {
    const { up } = await pair({}, (_req, res) => { res.statusCode = 204; res.end() })
    assert.equal(await up.json('/nothing'), undefined)
  })

  it('refuses bad options with CORRAL_ERR_IO_OPTION quoting what it received', () => {
    assert.throws(() => upstream({ name: 'bad', origin: 'http://x/path' }), (err) => codeOf(err) === 'CORRAL_ERR_IO_OPTION' && /http:\/\/x\/path/.test((err as Error).message))
    assert.throws(() => upstream({ name: 'bad', origin: 'http://x', connections: 0 }), /connections must be an integer >= 1, received 0/)
  })
})

describe('upstream circuit breaker', () => {
  it('opens after consecutive failures and then fails fast without touching the upstream', async () => {
    const { up, server } = await pair({ retries: 0, breaker: { failures: 3, coolDownMs: 60_000 } }, status(500))
    for (let i = 0; i < 3; i++) assert.equal((await up.request('/x')).status, 500)
    assert.equal(up.breakerState, 'open')
    await assert.rejects(up.request('/x'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_OPEN')
    assert.equal(server.requests, 3, 'the open breaker did not send the fourth request')
    const metrics = await registry.getSingleMetricAsString('corral_upstream_breaker_state')
    assert.match(metrics, new RegExp(`corral_upstream_breaker_state\\{upstream="${up.name}"\\} 2`))
  })

  it('lets one probe through after the cool-down and closes when it succeeds', async () => {
    let now = 0
    const { up, server } = await pair({ retries: 0, breaker: { failures: 2, coolDownMs: 1000 }, now: () => now }, status(500))
    await up.request('/x')
    await up.request('/x')
    assert.equal(up.breakerState, 'open')
    server.handler = ok()
    now = 999
    await assert.rejects(up.request('/x'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_OPEN')
    now = 1000
    assert.deepEqual(await up.json('/x'), { ok: true })
    assert.equal(up.breakerState, 'closed')
  })

  it('opens again when the half-open probe fails', async () => {
    let now = 0
    const { up } = await pair({ retries: 0, breaker: { failures: 1, coolDownMs: 1000 }, now: () => now }, status(503))
    await up.request('/x')
    assert.equal(up.breakerState, 'open')
    now = 1000
    assert.equal((await up.request('/x')).status, 503)
    assert.equal(up.breakerState, 'open')
    now = 1999
    await assert.rejects(up.request('/x'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_OPEN')
  })

  it('opens on the failure ratio of a window even without a consecutive run', async () => {
    let n = 0
    const { up } = await pair({ retries: 0, breaker: { failures: 100, ratio: 0.5, minRequests: 10 } }, (req, res) => ((++n % 2) ? ok() : status(500))(req, res))
    for (let i = 0; i < 10; i++) await up.request('/x')
    assert.equal(up.breakerState, 'open')
  })

  it('does not count the caller\'s own abort as an upstream failure', async () => {
    const { up } = await pair({ retries: 0, breaker: { failures: 1 } }, hang)
    const caller = new AbortController()
    setTimeout(() => caller.abort(new Error('lost the race')), 20)
    await assert.rejects(up.request('/x', { signal: caller.signal }), /lost the race/)
    assert.equal(up.breakerState, 'closed')
  })

  it('hands gather the fallback at once while open', async () => {
    const { up } = await pair({ retries: 0, breaker: { failures: 1, coolDownMs: 60_000 } }, status(500))
    await up.request('/x')
    const out = await gather(undefined, { price: { run: (signal) => up.json<number>('/p', { signal }), fallback: () => 9.99 } })
    assert.ok(!out.price.ok && out.price.fallback)
    assert.equal(codeOf(out.price.error), 'CORRAL_ERR_UPSTREAM_OPEN')
    assert.equal(out.price.value, 9.99)
  })
})

/** The value of one series on corral's registry (0 when it has not been counted yet). */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await registry.getSingleMetricAsString(name)
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('upstream deadlines keep connections (issue 11)', () => {
  it('lets an answer that comes after the caller gave up finish into the pool, and the next request reuses its connection', async () => {
    let answerLate: (() => void) | undefined
    const { up, server } = await pair({ connections: 1, retries: 0, lingerMs: 10_000 }, (req, res) => {
      if (req.url === '/slow') answerLate = () => ok({ late: true })(req, res)
      else ok()(req, res)
    })
    const out = await gather(undefined, { price: { run: (signal) => up.json('/slow', { signal }), timeoutMs: 30, fallback: () => 'fallback' } })
    assert.deepEqual(values(out), { price: 'fallback' })
    // The server answers only now that the caller has its fallback: the answer is late by construction.
    answerLate!()
    assert.deepEqual(await up.json('/next'), { ok: true })
    assert.equal(server.connections, 1, 'the late answer went back to the pool instead of closing its connection')
    assert.equal(server.abandoned, 0)
    assert.equal(await metric('corral_upstream_abandoned_total', { upstream: up.name, fate: 'finished' }), 1)
    assert.equal(await metric('corral_upstream_connections_opened_total', { upstream: up.name }), 1)
  })

  it('cuts a request still unanswered lingerMs after its budget, and the upstream sees it end', async () => {
    const { up, server } = await pair({ timeoutMs: 30, lingerMs: 100, retries: 0 }, hang)
    await assert.rejects(up.json('/hang'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_TIMEOUT')
    await server.waitAbandoned(1)
    assert.equal(await metric('corral_upstream_abandoned_total', { upstream: up.name, fate: 'cut' }), 1)
  })

  it('cuts at once with lingerMs 0', async () => {
    const { up, server } = await pair({ timeoutMs: 30, lingerMs: 0, retries: 0 }, hang)
    await assert.rejects(up.json('/hang'), (err) => codeOf(err) === 'CORRAL_ERR_UPSTREAM_TIMEOUT')
    await server.waitAbandoned(1)
    assert.equal(await metric('corral_upstream_abandoned_total', { upstream: up.name, fate: 'cut' }), 1)
  })

  it('drops a request still queued for a connection when its caller gives up, without sending it or closing a connection', async () => {
    let answerFirst: (() => void) | undefined
    let firstArrived: () => void
    const arrived = new Promise<void>((resolve) => { firstArrived = resolve })
    const { up, server } = await pair({ connections: 1, retries: 0 }, (req, res) => {
      if (req.url === '/first') { answerFirst = () => ok({ first: true })(req, res); firstArrived() } else ok()(req, res)
    })
    const first = up.json('/first')
    await arrived
    const caller = new AbortController()
    const queued = up.json('/queued', { signal: caller.signal })
    caller.abort(new Error('gave up'))
    await assert.rejects(queued, /gave up/)
    answerFirst!()
    assert.deepEqual(await first, { first: true })
    assert.deepEqual(await up.json('/after'), { ok: true })
    assert.equal(server.requests, 2, 'the abandoned request was never sent')
    assert.equal(server.connections, 1)
    assert.equal(await metric('corral_upstream_abandoned_total', { upstream: up.name, fate: 'unsent' }), 1)
  })

  it('refuses a negative lingerMs with CORRAL_ERR_IO_OPTION', () => {
    assert.throws(() => upstream({ name: 'bad-linger', origin: 'http://127.0.0.1:1', lingerMs: -1 }), /lingerMs must be a number of milliseconds >= 0, received -1/)
  })
})
