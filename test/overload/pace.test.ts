/**
 * A shed client that asks again at once (as wrk does) is not read again until a slot is likely to
 * be free for it (src/overload/pace.ts): one service time, or, where the connections resting, itself
 * counted, outnumber the requests running, a service time for each of them per request running.
 * A slot that frees ends a rest early, for the connection that has rested longest. Its 503 comes
 * at once; its next request waits in its own socket buffer. A connection that was not
 * shed is answered at once, so the wait is the rest and not a slow server.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { Agent, request } from 'undici'
import { fixture, startCorral } from '../support/corral.js'
import { overloadOf, until } from '../support/overload-status.js'
import { connectedRequest } from '../support/connected-request.js'

/** What admitted requests take here; the pause follows it. */
const SERVICE_MS = 600

async function get(url: string, dispatcher: Agent): Promise<{ status: number; ms: number }> {
  const t0 = performance.now()
  const res = await request(url, { dispatcher })
  await res.body.text()
  return { status: res.statusCode, ms: performance.now() - t0 }
}

describe('overload control: shed connections are paced', () => {
  it('reads a shed connection\'s next request after a service time, longer where the resting outnumber the running', async (t) => {
    // One slot, and latency alone moving the limit (every window counts as saturated), so the
    // limit measures its latency from a few sequential requests.
    const server = await startCorral(t, fixture('overload-app.ts'), {
      args: ['--workers', '1', '--worker-connections', '1', '--overload-loop-utilization', '0'],
    })
    const agents = Array.from({ length: 3 }, () => new Agent({ connections: 1 }))
    t.after(() => Promise.all(agents.map((a) => a.close())))
    const [busy, shed, fresh] = agents as [Agent, Agent, Agent]

    for (let i = 0; i < 4; i++) assert.equal((await get(`${server.url}/io?ms=${SERVICE_MS}`, busy)).status, 200)
    await until(server, (o) => (o.latencyMs ?? 0) >= SERVICE_MS * 0.9, 10_000, 'the limit measures the service time')

    // The one slot is taken for long enough to shed everything else meanwhile.
    const holding = get(`${server.url}/io?ms=${SERVICE_MS * 10}`, busy)
    await until(server, (o) => o.running === 1, 5_000, 'the long request runs')

    const first = await get(`${server.url}/`, shed)
    assert.equal(first.status, 503, 'the slot is taken: shed')
    // The same connection asks again at once: shed again, but read only after the pause.
    const again = await get(`${server.url}/`, shed)
    assert.equal(again.status, 503)
    assert.ok(again.ms >= SERVICE_MS * 0.6, `the shed connection's next request waited ${again.ms.toFixed(0)} ms; expected about ${SERVICE_MS}`)

    // It rests again now, one service time. A connection shed meanwhile rests behind it: with two
    // resting and one running, twice as long.
    const other = await get(`${server.url}/`, fresh)
    assert.equal(other.status, 503)
    assert.ok(other.ms < SERVICE_MS * 0.6, `a fresh connection waited ${other.ms.toFixed(0)} ms for its 503: only a shed connection rests`)
    const behind = await get(`${server.url}/`, fresh)
    assert.equal(behind.status, 503)
    assert.ok(behind.ms >= SERVICE_MS * 1.6, `the connection shed while another rested waited ${behind.ms.toFixed(0)} ms; expected about ${2 * SERVICE_MS} (two resting, one running)`)

    assert.equal((await holding).status, 200, 'the admitted request finished')
    const after = (await overloadOf(server))!
    assert.ok(after.shed.full + after.shed.timeout >= 4, `four sheds counted: ${JSON.stringify(after.shed)}`)
  })

  it('reads the resting connections again as soon as the slot frees, before their rests end', async (t) => {
    // A keep-alive of 20 s lets the line's rests run to 4 s, well past the one request that runs.
    const server = await startCorral(t, fixture('overload-app.ts'), {
      args: ['--workers', '1', '--worker-connections', '1', '--overload-loop-utilization', '0', '--keepalive', '20'],
    })
    const agents = Array.from({ length: 9 }, () => new Agent({ connections: 1 }))
    t.after(() => Promise.all(agents.map((a) => a.close())))
    const [busy, ...shed] = agents as [Agent, ...Agent[]]
    for (let i = 0; i < 4; i++) assert.equal((await get(`${server.url}/io?ms=${SERVICE_MS}`, busy)).status, 200)
    await until(server, (o) => (o.latencyMs ?? 0) >= SERVICE_MS * 0.9, 10_000, 'the limit measures the service time')

    // The slot is taken for a little over three service times. Eight connections are shed meanwhile
    // and ask again at once: their rests are one to seven service times (the line behind them), up to 4 s.
    const HOLD_MS = SERVICE_MS * 3.5
    const holding = get(`${server.url}/io?ms=${HOLD_MS}`, busy).then((r) => ({ ...r, at: performance.now() }))
    await until(server, (o) => o.running === 1, 5_000, 'the long request runs')
    const answers = Promise.all(shed.map(async (agent) => {
      assert.equal((await get(`${server.url}/`, agent)).status, 503, 'the slot is taken: shed')
      const again = await get(`${server.url}/`, agent)
      return { ...again, at: performance.now() }
    }))
    // The server's own count: the connections whose rests would end after the long request are resting.
    await until(server, (o) => (o.resting ?? 0) >= 4, 5_000, 'the shed connections rest')
    const held = await holding
    assert.equal(held.status, 200, 'the long request finished')
    const back = await answers
    // Those whose rests ended while the slot was taken were refused again (a connection back from
    // its rest may run over the limit, never past --worker-connections). The others were read as
    // the slot freed, and answered one after another as each left it: by their rests' timers the
    // last would have been answered about 4 s after they were shed, some 1.5 s after the long
    // request's answer.
    const refused = back.filter((b) => b.status === 503)
    const read = back.filter((b) => b.status === 200)
    assert.equal(refused.length + read.length, 8, `every answer a 503 or a 200: ${JSON.stringify(back)}`)
    assert.ok(read.length >= 4, `${read.length} of the 8 were read as the slot freed; expected those whose rests would end after it (about 5)`)
    for (const r of refused) assert.ok(r.at < held.at, 'a refused one came back while the slot was taken')
    const last = Math.max(...read.map((b) => b.at))
    assert.ok(last - held.at < SERVICE_MS * 1.2, `the last shed connection was answered ${(last - held.at).toFixed(0)} ms after the slot freed; its rest would have ended about ${(SERVICE_MS * 7 - HOLD_MS).toFixed(0)} ms after it`)
  })

  it('rests a connection one step (100 ms) when the worker has measured nothing yet', async (t) => {
    // A fresh worker has no service time to rest a refused client by; without a rest, a client
    // that asks again at once was refused again at once, as often as it could ask.
    const server = await startCorral(t, fixture('overload-app.ts'), { args: ['--workers', '1', '--worker-connections', '1'] })
    const agents = Array.from({ length: 2 }, () => new Agent({ connections: 1 }))
    t.after(() => Promise.all(agents.map((a) => a.close())))
    const [busy, shed] = agents as [Agent, Agent]
    const holding = get(`${server.url}/io?ms=${SERVICE_MS * 10}`, busy)
    const running = await until(server, (o) => o.running === 1, 5_000, 'the long request runs')
    assert.equal(running.latencyMs, null, 'no window has closed: the worker has measured nothing')

    assert.equal((await get(`${server.url}/`, shed)).status, 503, 'the slot is taken: shed')
    const again = await get(`${server.url}/`, shed)
    assert.equal(again.status, 503)
    assert.ok(again.ms >= 60, `the shed connection's next request waited ${again.ms.toFixed(0)} ms; expected about 100`)
    assert.equal((await holding).status, 200, 'the admitted request finished')
  })

  it('closes a shed connection whose client asked to close (RFC 9112 §9.6), as it would an admitted one', async (t) => {
    const server = await startCorral(t, fixture('overload-app.ts'), { args: ['--workers', '1', '--worker-connections', '1'] })
    const busy = new Agent({ connections: 1 })
    t.after(() => busy.close())
    const holding = get(`${server.url}/io?ms=${SERVICE_MS * 10}`, busy)
    await until(server, (o) => o.running === 1, 5_000, 'the long request runs')

    // The answer ends only when the server closes the connection: node:http's client reads a
    // close-delimited connection to its end, so a kept-alive one would leave this waiting.
    const closing = await connectedRequest(`${server.url}/`, { headers: { connection: 'close' } }).answer
    assert.ok(!(closing instanceof Error), `the shed request's client saw ${String(closing)}`)
    assert.equal(closing.status, 503, 'the slot is taken: shed')
    assert.equal(closing.connection, 'close', 'a client that asked to close is told the connection closes')
    assert.equal((await holding).status, 200, 'the admitted request finished')
  })
})
