/**
 * The code each worker thread runs in the threads worker class: it loads the app's fetch handler
 * once, then answers the requests the process's main thread hands it. A request is plain data in
 * and out (bytes, not streams), since only transferable values cross a thread boundary.
 */
import { pino } from 'pino'
import { loadApp } from '../app/load.js'
import type { FetchHandler, RequestContext } from '../app/types.js'

export interface ThreadRequest {
  app: string
  url: string
  method: string
  headers: [string, string][]
  body: Uint8Array | null
  requestId: string
  workerId: number
  clientIp: string
  protocol: string
  /** Load the app and answer nothing: used to warm every thread before the worker is ready. */
  warmOnly?: boolean
}

export interface ThreadResponse {
  status: number
  statusText: string
  headers: [string, string][]
  body: Uint8Array
}

let handler: Promise<FetchHandler> | undefined
const log = pino({ base: { pid: process.pid, thread: true } }, pino.destination({ dest: 2, sync: false }))

async function load(spec: string): Promise<FetchHandler> {
  const app = await loadApp(spec)
  if (!app.fetch) throw new Error('only fetch handlers can run in worker threads')
  return app.fetch
}

export default async function run(task: ThreadRequest): Promise<ThreadResponse> {
  const fetch = await (handler ??= load(task.app))
  if (task.warmOnly) return { status: 204, statusText: '', headers: [], body: new Uint8Array() }
  // Aborting a task terminates its thread (piscina), so the signal here never needs to fire.
  const ctx: RequestContext = {
    signal: new AbortController().signal, requestId: task.requestId, workerId: task.workerId,
    log: log.child({ requestId: task.requestId }), clientIp: task.clientIp, protocol: task.protocol,
  }
  const request = new Request(task.url, { method: task.method, headers: task.headers, body: task.body })
  const response = await fetch(request, ctx)
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => headers.push([name, value]))
  return { status: response.status, statusText: response.statusText, headers, body: new Uint8Array(await response.arrayBuffer()) }
}
