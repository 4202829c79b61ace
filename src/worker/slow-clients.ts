/**
 * Clients too slow to serve: one that sends a request body slower than --body-timeout and
 * --body-min-rate allow, and one that takes none of a response for --send-timeout. Either holds
 * a connection (and, for an app that reads the whole body before it answers, a request in flight)
 * for as long as it likes: a slowloris that has got past the headers. Slow headers are
 * --header-timeout's (node:http's own check).
 *
 * Like the keep-alive sweep (keepalive.ts), a sweep over the server's connections decides, so a
 * request pays nothing: no timer is armed or cleared per request.
 * - Body: while node:http is parsing a request's body, the client has --body-timeout from the end of
 *   the headers, plus one second per --body-min-rate bytes it has sent (Apache's mod_reqtimeout
 *   rule: a large upload on a fair link goes on, a trickle does not). Time in which the app reads
 *   nothing (its request stream is full) does not count: the client is not the slow one then.
 *   Past it, 408 and the connection closes; the app's ctx.signal aborts.
 * - Send: a connection with response bytes waiting in the worker (node's buffer, libuv's queue)
 *   whose queue has not shrunk for --send-timeout is closed: the client stopped reading, or reads so
 *   slowly that the kernel never takes a full segment.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import { corralError } from '../errors.js'
import type { Connections, Tracked } from './connections.js'
import { reject } from './limits.js'

export interface SlowClientLimits {
  bodyTimeoutMs: number
  /** Bytes per second that earn the body another second; 0: --body-timeout is the whole body's. */
  bodyMinRate: number
  sendTimeoutMs: number
}

type HttpSocket = Socket & {
  parser?: { incoming?: IncomingMessage | null } | null
  _httpMessage?: ServerResponse | null
  _handle?: { writeQueueSize?: number } | null
}

export const sweepEveryMs = (l: SlowClientLimits) =>
  Math.min(1000, Math.max(50, Math.floor(Math.min(...[l.bodyTimeoutMs, l.sendTimeoutMs].filter((ms) => ms > 0)) / 4)))

/** Response bytes the worker holds for this client: in the socket's buffer and in libuv's write queue. */
const queuedBytes = (socket: HttpSocket) => socket.writableLength + (socket._handle?.writeQueueSize ?? 0)

/** Whether either limit is on (otherwise no sweep runs). */
export const watchesSlowClients = (l: SlowClientLimits) => l.bodyTimeoutMs > 0 || l.sendTimeoutMs > 0

/** Watch a server's HTTP/1.1 connections (as `connections` holds them) for slow bodies and slow readers. Returns a stop function. */
export function watchSlowClients(connections: Connections, limits: SlowClientLimits, log: Logger | undefined): () => void {
  if (!watchesSlowClients(limits)) return () => {}
  const report = reporter(log)
  const timer = setInterval(() => {
    const now = performance.now()
    for (const [socket, watch] of connections as Iterable<[HttpSocket, Tracked]>) {
      if (socket.parser === null) { connections.drop(socket); continue } // upgraded: no longer HTTP's
      if (limits.bodyTimeoutMs > 0 && slowBody(socket, watch, limits, now)) setImmediate(cutIfStillSlow, socket, watch, 'body')
      else if (limits.sendTimeoutMs > 0 && slowReader(socket, watch, limits.sendTimeoutMs, now)) setImmediate(cutIfStillSlow, socket, watch, 'send')
    }
  }, sweepEveryMs(limits))
  // The sweep runs in the timer phase, before the poll phase reads and writes sockets: after a stall of
  // the worker (a busy handler, a starved machine), bytes that came in time would not have been seen
  // yet. Deciding in the check phase, right after that poll, the worker's own delay is never the client's.
  const cutIfStillSlow = (socket: HttpSocket, watch: Tracked, kind: 'body' | 'send') => {
    if (socket.destroyed || !connections.has(socket)) return
    const now = performance.now()
    if (kind === 'body') {
      if (!slowBody(socket, watch, limits, now)) return
      cutBody(socket, watch.body!, limits)
    } else {
      if (!slowReader(socket, watch, limits.sendTimeoutMs, now)) return
      socket.destroy()
    }
    connections.drop(socket)
    report(kind)
  }
  timer.unref()
  return () => clearInterval(timer)
}

function slowBody(socket: HttpSocket, watch: Tracked, l: SlowClientLimits, now: number): boolean {
  const req = socket.parser?.incoming
  if (!req || req.complete) {
    watch.body = undefined
    return false
  }
  // The app is not reading (its stream is full and node:http stopped reading the socket): restart the clock.
  if (watch.body !== req || req.readableLength >= req.readableHighWaterMark) {
    watch.body = req
    watch.bodySince = now
    watch.bodyBytes = socket.bytesRead
    return false
  }
  const earned = l.bodyMinRate > 0 ? ((socket.bytesRead - watch.bodyBytes) / l.bodyMinRate) * 1000 : 0
  return now - watch.bodySince > l.bodyTimeoutMs + earned
}

function slowReader(socket: HttpSocket, watch: Tracked, sendTimeoutMs: number, now: number): boolean {
  const queued = queuedBytes(socket)
  if (queued === 0 || queued < watch.queued) {
    watch.queued = queued
    watch.queuedSince = now
    return false
  }
  if (watch.queued === 0) {
    watch.queued = queued
    watch.queuedSince = now
    return false
  }
  // More queued than before counts as no progress: the client took nothing, the app added more.
  watch.queued = Math.max(watch.queued, queued)
  return now - watch.queuedSince > sendTimeoutMs
}

/** 408 for the request whose body is late, if its answer has not begun; otherwise the connection is cut. */
function cutBody(socket: HttpSocket, req: IncomingMessage, l: SlowClientLimits): void {
  const res = socket._httpMessage as (ServerResponse & { exchange?: { abort(reason: unknown): void } }) | null | undefined
  if (!res || res.req !== req || res.headersSent) {
    socket.destroy()
    return
  }
  const detail = `more than ${l.bodyTimeoutMs} ms${l.bodyMinRate > 0 ? ` plus a second per ${l.bodyMinRate} bytes` : ''}`
  res.exchange?.abort(corralError('CORRAL_ERR_BODY_TIMEOUT', detail))
  reject(res, { code: 'CORRAL_ERR_BODY_TIMEOUT', detail })
  // The body will never end: the connection closes once the 408 is out.
  res.once('finish', () => socket.destroy())
}

const WHAT = { body: ['--body-timeout', 'sending a request body'], send: ['--send-timeout', 'reading a response'] } as const

/** A warning for the first cut of each kind, then at most one every 10 s with the count: an attack must not flood the log. */
function reporter(log: Logger | undefined): (kind: 'body' | 'send') => void {
  const counts = { body: 0, send: 0 }
  const last = { body: -Infinity, send: -Infinity }
  return (kind) => {
    counts[kind]++
    const now = performance.now()
    if (!log || now - last[kind] < 10_000) return
    last[kind] = now
    const [setting, doing] = WHAT[kind]
    log.warn({ kind, closed: counts[kind] }, `CORRAL_SLOW_CLIENT: closed ${counts[kind]} connection(s) of clients too slow ${doing} (${setting})`)
    counts[kind] = 0
  }
}
