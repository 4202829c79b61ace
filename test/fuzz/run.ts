/**
 * Play mutants against a running server, several connections at a time, and hold each to the
 * fuzz rules: the server answers or closes the connection within a bound (never a hang past
 * --header-timeout / --body-timeout), and a request the oracle (verdict.ts) calls invalid never
 * gets a 2xx. Whether the worker survived is the caller's to check (its /status).
 */
import { connect } from 'node:net'
import { parseResponses } from '../support/http-wire.js'
import { invalidBecause } from './verdict.js'
import type { Mutant } from './mutate.js'

export interface FuzzOptions {
  /** Connections in flight at once. */
  concurrency: number
  /** How long a connection may go without an answer or a close: a hang past it is a failure. */
  boundMs: number
  /** Every nth mutant keeps its connection open after sending (the server's timeouts must end it); the rest half-close. */
  keepOpenEvery: number
}

export interface FuzzReport {
  played: number
  /** By first final status ('closed' when the server closed without one). */
  outcomes: Record<string, number>
  invalid: number
  failures: string[]
}

function play(port: number, m: Mutant, keepOpen: boolean, boundMs: number): Promise<{ status: number | 'closed' | 'hang' }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    socket.setEncoding('latin1')
    let text = ''
    let done = false
    const finish = (status: number | 'closed' | 'hang') => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ status })
    }
    const timer = setTimeout(() => finish('hang'), boundMs)
    socket.on('data', (d: string) => {
      text += d
      const final = parseResponses(text).responses.find((r) => r.status >= 200)
      if (final) finish(final.status)
    })
    socket.on('close', () => {
      const final = parseResponses(text, undefined, true).responses.find((r) => r.status >= 200)
      finish(final ? final.status : 'closed')
    })
    socket.on('error', () => {})
    socket.on('connect', async () => {
      for (const w of m.writes) {
        if (socket.destroyed) return
        socket.write(Buffer.from(w, 'latin1'))
        await new Promise((r) => setImmediate(r))
      }
      if (!keepOpen && !socket.destroyed) socket.end()
    })
  })
}

export async function fuzz(port: number, list: Mutant[], o: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { played: 0, outcomes: {}, invalid: 0, failures: [] }
  let next = 0
  const lane = async () => {
    while (next < list.length) {
      const i = next++
      const m = list[i]
      const why = invalidBecause(m.bytes)
      if (why) report.invalid++
      const { status } = await play(port, m, i % o.keepOpenEvery === 0, o.boundMs)
      report.played++
      report.outcomes[String(status)] = (report.outcomes[String(status)] ?? 0) + 1
      const shown = `#${i} (${m.from}) ${JSON.stringify(m.bytes.slice(0, 300))}`
      if (status === 'hang') report.failures.push(`no answer and no close within ${o.boundMs} ms: ${shown}`)
      else if (why && typeof status === 'number' && status < 300) report.failures.push(`${status} to a request that is invalid (${why}): ${shown}`)
    }
  }
  await Promise.all(Array.from({ length: o.concurrency }, lane))
  return report
}
