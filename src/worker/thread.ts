/**
 * The code each worker thread runs in the threads worker class: it loads the app's fetch handler
 * once, then answers the requests the process's main thread hands it. A request is plain data in
 * and out (bytes, not streams), since only transferable values cross a thread boundary.
 */
import { pino } from 'pino'
import { loadApp } from '../app/load.js'
import { installLightResponse, isLight, LightResponse } from '../app/light-response.js'
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
  body: Uint8Array | string
}

let handler: Promise<FetchHandler> | undefined
const log = pino({ base: { pid: process.pid, thread: true } }, pino.destination({ dest: 2, sync: false }))

async function load(spec: string): Promise<FetchHandler> {
  const app = await loadApp(spec)
  if (!app.fetch) throw new Error('only fetch handlers can run in worker threads')
  return app.fetch
}

// As in the process's main thread: a Response that holds a string or bytes crosses back as it is,
// without being built and read through a stream (light-response.ts).
installLightResponse()

export default async function run(task: ThreadRequest): Promise<ThreadResponse> {
  const fetch = await (handler ??= load(task.app))
  if (task.warmOnly) return { status: 204, statusText: '', headers: [], body: '' }
  let child: RequestContext['log'] | undefined
  // Aborting a task terminates its thread (piscina), so this signal never fires; it is still one per
  // request, since handlers add listeners to it and a shared one would collect them forever.
  const ctx: RequestContext = {
    signal: new AbortController().signal, requestId: task.requestId, workerId: task.workerId, clientIp: task.clientIp, protocol: task.protocol,
    get log() { return (child ??= log.child({ requestId: task.requestId })) },
  }
  const request = new Request(task.url, { method: task.method, headers: task.headers, body: task.body })
  const response = await fetch(request, ctx)
  const fast = isLight(response) ? LightResponse.fast(response) : undefined
  if (fast) {
    const h = new Headers(fast.init?.headers)
    if (typeof fast.body === 'string' && !h.has('content-type')) h.set('content-type', 'text/plain;charset=UTF-8')
    const headers: [string, string][] = []
    h.forEach((value, name) => headers.push([name, value]))
    return { status: fast.init?.status ?? 200, statusText: fast.init?.statusText ?? '', headers, body: fast.body ?? '' }
  }
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => headers.push([name, value]))
  return { status: response.status, statusText: response.statusText, headers, body: new Uint8Array(await response.arrayBuffer()) }
}
