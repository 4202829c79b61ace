/**
 * Long-lived responses (docs/streaming.md): server-sent events and streamed bodies, from a fetch
 * handler (a ReadableStream body) and from a Node listener (res.write). Every wait is for evidence
 * from the server: a chunk that says how long the app had been streaming, a log line, /metrics.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { get, type IncomingMessage } from 'node:http'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, startCorral } from '../support/corral.js'
import { total, until } from '../support/metrics.js'
import { pollFor } from '../support/poll.js'

interface Stream {
  status: Promise<number>
  /** The body so far. */
  text(): string
  /** Resolves once the body so far matches. */
  until(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Resolves when the connection is done: `complete` is true only for a whole HTTP message (a chunked body's last chunk came). */
  done: Promise<{ complete: boolean }>
  close(): void
}

function open(url: string): Stream {
  let body = ''
  const waiters = new Set<() => void>()
  let response: IncomingMessage | undefined
  let resolveStatus!: (n: number) => void
  const status = new Promise<number>((resolve) => { resolveStatus = resolve })
  const request = get(url, { agent: false })
  const done = new Promise<{ complete: boolean }>((resolve) => {
    request.on('response', (res) => {
      response = res
      resolveStatus(res.statusCode ?? 0)
      res.setEncoding('utf8')
      res.on('data', (d: string) => { body += d; for (const w of waiters) w() })
      res.on('error', () => {})
      res.on('close', () => { for (const w of waiters) w(); resolve({ complete: res.complete }) })
    })
    request.on('error', () => resolve({ complete: false }))
  })
  const until = (pattern: RegExp, timeoutMs = 20_000) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(body)
      if (m) { finish(); resolve(m) } else if (response?.closed) { finish(); reject(new Error(`the stream closed before ${pattern}; it sent:\n${body}`)) }
    }
    const timer = setTimeout(() => { finish(); reject(new Error(`timed out waiting for ${pattern}; the stream sent:\n${body}`)) }, timeoutMs)
    const finish = () => { clearTimeout(timer); waiters.delete(check) }
    waiters.add(check)
    check()
  })
  return { status, text: () => body, until, done, close: () => request.destroy() }
}

/** The access log's JSON lines for a path, once there are `n` of them. */
type Logged = { url: string; durationMs: number; bytes: number; status: number }
async function logged(file: string, path: string, n = 1): Promise<Logged[]> {
  let lines: Logged[] = []
  return pollFor(`${n} access log line(s) for ${path}`, () => {
    lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Logged) : []
    const mine = lines.filter((l) => new URL(l.url, 'http://x').pathname === path)
    return mine.length >= n && mine
  }, { timeoutMs: 15_000, last: () => `the log has:\n${lines.map((l) => l.url).join('\n')}` })
}

/** A promise that must settle within `ms`: a stream that is never cut or ended would otherwise hang the test. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms) })
  try { return await Promise.race([promise, late]) } finally { clearTimeout(timer) }
}

/** The milliseconds the app says it had been streaming when it wrote its last event or chunk. */
const lastMs = (text: string) => Math.max(...[...text.matchAll(/(?:data: | at )(\d+)/g)].map((m) => Number(m[1])))

describe('streamed responses', () => {
  it('logs and counts a fetch stream to its last byte, exempts streams from --request-timeout, and a drain ends them cleanly', async (t) => {
    const log = join(mkdtempSync(join(tmpdir(), 'streaming-')), 'access.log')
    const server = await startCorral(t, fixture('stream-app.ts'), {
      args: ['--workers', '1', '--request-timeout', '300ms', '--stream-route', '/late', '--graceful-timeout', '3s', '--access-log', log, '--access-log-format', 'json'],
    })

    // Five events 100 ms apart: the app's own timers make the stream last at least 400 ms, past the deadline.
    const sse = open(server.url + '/sse?events=5&every=100')
    assert.equal(await sse.status, 200)
    assert.deepEqual(await sse.done, { complete: true }, 'a text/event-stream response is not cut at the deadline')
    assert.equal(sse.text().match(/^data: /gm)?.length, 5)
    const [entry] = await logged(log, '/sse')
    assert.equal(entry.status, 200)
    assert.equal(entry.bytes, Buffer.byteLength(sse.text()), 'the access log counts every byte of the stream')
    assert.ok(entry.durationMs >= lastMs(sse.text()) && entry.durationMs >= 400, `the access log times the stream to its end: ${entry.durationMs}ms, last event at ${lastMs(sse.text())}ms`)
    await until(server.admin, 'the stream in the metrics', (s) =>
      total(s, 'corral_http_request_duration_seconds_count', { route: '/sse' }) === 1 &&
      total(s, 'corral_http_request_duration_seconds_sum', { route: '/sse' }) >= entry.durationMs / 1000 - 0.001)

    // A chunked body the app marked with ctx.streaming() outlives the deadline; the same body unmarked is cut at it.
    const marked = open(server.url + '/chunks?flag=1&every=100')
    await marked.until(/chunk \d+ at (?:[6-9]\d\d|\d{4,})\n/)
    const unmarked = open(server.url + '/chunks?every=100')
    assert.deepEqual(await within(unmarked.done, 15_000, 'the unmarked stream is cut'), { complete: false }, 'an unmarked stream is cut at the 300ms deadline')
    // A --stream-route long poll answers after the deadline instead of a 504.
    const late = await fetch(server.url + '/late?ms=600')
    assert.equal(late.status, 200)
    assert.equal(await late.text(), 'late\n')

    // Drain: a stream that ends within --graceful-timeout is waited for; open-ended ones are ended cleanly at it.
    const forever = open(server.url + '/sse?every=100')
    const finite = open(server.url + '/sse?events=6&every=100')
    await forever.until(/^data: /m)
    await finite.until(/^data: /m)
    const stopping = Date.now()
    server.child.kill('SIGTERM')
    await server.waitFor(/ending 2 open streams after \d+ms/)
    assert.deepEqual(await within(finite.done, 20_000, 'the finite stream ends'), { complete: true })
    assert.equal(finite.text().match(/^data: /gm)?.length, 6, 'the drain waited for the stream that ended by itself')
    assert.deepEqual(await within(forever.done, 20_000, 'the forever stream ends'), { complete: true }, 'the endless SSE stream ended with a whole message, not a reset')
    assert.deepEqual(await within(marked.done, 20_000, 'the marked stream ends'), { complete: true }, 'the marked chunked stream got its last chunk')
    assert.ok(Date.now() - stopping >= 2900, 'the open streams ran until the graceful timeout')
    assert.equal((await server.exited).code, 0)
    assert.doesNotMatch(server.output(), /still busy after|CORRAL_ERR_HANDLER|ERR_STREAM_WRITE_AFTER_END|uncaught/)
    const entries = await logged(log, '/sse', 3)
    assert.ok(entries.some((e) => e.durationMs >= 2900), 'the ended stream is logged with its whole duration')
  })

  it('logs a Node listener stream to its last byte, and a drain ends its streams cleanly', async (t) => {
    const log = join(mkdtempSync(join(tmpdir(), 'streaming-')), 'access.log')
    const server = await startCorral(t, fixture('stream-listener.ts'), {
      args: ['--workers', '1', '--request-timeout', '300ms', '--graceful-timeout', '1500ms', '--access-log', log, '--access-log-format', 'json'],
    })
    const sse = open(server.url + '/sse?events=4&every=150')
    assert.deepEqual(await sse.done, { complete: true })
    const [entry] = await logged(log, '/sse')
    assert.equal(entry.bytes, Buffer.byteLength(sse.text()))
    assert.ok(entry.durationMs >= 450, `timed to the last write: ${entry.durationMs}ms`)

    const events = open(server.url + '/sse?every=100')
    const chunks = open(server.url + '/chunks?every=100')
    await events.until(/^data: (?:[6-9]\d\d|\d{4,})$/m)
    await chunks.until(/chunk \d+ at (?:[6-9]\d\d|\d{4,})\n/)
    server.child.kill('SIGTERM')
    assert.deepEqual(await within(events.done, 20_000, 'the events stream ends'), { complete: true })
    assert.deepEqual(await within(chunks.done, 20_000, 'the chunks stream ends'), { complete: true })
    assert.equal((await server.exited).code, 0)
    assert.match(server.output(), /ending 2 open streams after \d+ms/)
    assert.doesNotMatch(server.output(), /still busy after|ERR_STREAM_WRITE_AFTER_END|uncaught/)
  })
})
