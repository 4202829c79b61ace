/** The ws library's client, for tests: open a socket and read its first message; wait for its close. */
import type { TestContext } from 'node:test'
import WebSocket, { type ClientOptions } from 'ws'

export interface Opened { ws: WebSocket; first: string; next(): Promise<string>; closed: Promise<{ code: number; reason: string }> }

export function openSocket(t: TestContext, url: string, protocols?: string[], o: ClientOptions = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, o)
    t.after(() => ws.terminate())
    const queue: string[] = []
    const waiting: ((m: string) => void)[] = []
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.once('close', (code, reason) => done({ code, reason: String(reason) })))
    ws.on('message', (data, binary) => {
      const m = binary ? `<${(data as Buffer).length} bytes>` : String(data)
      const w = waiting.shift()
      if (w) w(m)
      else queue.push(m)
    })
    const next = () => new Promise<string>((r) => { const m = queue.shift(); if (m !== undefined) r(m); else waiting.push(r) })
    ws.once('open', () => void next().then((first) => resolve({ ws, first, next, closed })))
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => reject(Object.assign(new Error(`refused: ${res.statusCode} ${body.trim()}`), { status: res.statusCode, headers: res.headers })))
    })
    ws.once('error', reject)
  })
}
