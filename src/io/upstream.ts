/**
 * A named upstream: one HTTP origin behind an undici Pool (keep-alive connections, reused across
 * requests), with per-phase timeouts, a total deadline, retries for idempotent methods, and a
 * circuit breaker that fails fast so gather()'s fallback answers instead of a timeout.
 *
 *   const prices = upstream({ name: 'price', origin: 'http://127.0.0.1:9101', timeoutMs: 300 })
 *   const price = await prices.json<{ price: number }>('/price/1', { signal })
 *
 * The caller's signal reaches the socket: undici destroys the request's connection on abort, so
 * the upstream sees the request end as soon as the deadline passes (not after its own answer).
 */
import { Pool } from 'undici'
import { corralError } from '../errors.js'
import { onClose } from './lifecycle.js'
import { Breaker, type BreakerOptions } from './breaker.js'
import { backoffMs, isIdempotent, pause, retryableStatuses, type BackoffOptions } from './retry.js'
import { breakerStateValue, errorKind, upstreamMetrics as metrics } from './upstream-metrics.js'
import { intOption, msOption, nameOption, originOption, ratioOption } from './options.js'

export interface UpstreamOptions {
  /** Names the upstream in metrics, logs and errors. Unique among open upstreams. */
  name: string
  /** http(s)://host:port — one pool serves one origin. */
  origin: string
  /** Keep-alive connections the pool may open. Default 32. */
  connections?: number
  /** Whole-request budget, retries and backoff included. Default 10 s. */
  timeoutMs?: number
  /** TCP (+TLS) connect. Default 1 s. */
  connectTimeoutMs?: number
  /** From sending the request to the response headers, per attempt. Default: timeoutMs. */
  headersTimeoutMs?: number
  /** Longest gap between body chunks, per attempt. Default: timeoutMs. */
  bodyTimeoutMs?: number
  /** How long an idle connection is kept open. Default 4 s (undici's); keep it under the upstream's own. */
  keepAliveTimeoutMs?: number
  /** Extra attempts for idempotent requests after a network error or a 502/503/504. Default 2. */
  retries?: number
  backoff?: BackoffOptions
  /** Circuit breaker settings, or false for none. */
  breaker?: BreakerOptions | false
  /** Headers sent with every request (auth, user-agent). */
  headers?: Record<string, string>
  /** Answers larger than this fail instead of filling memory. Default 16 MiB. */
  maxResponseBytes?: number
  /** Clock for the breaker; tests may pass their own. */
  now?: () => number
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Sends JSON.stringify(json) with content-type application/json. */
  json?: unknown
  signal?: AbortSignal
  /** Overrides the upstream's timeoutMs for this request. */
  timeoutMs?: number
  /** Allow retries for a non-idempotent method that the caller made safe to repeat (an idempotency key). */
  idempotent?: boolean
}

export interface UpstreamResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The whole body: it is read before returning, so the connection goes back to the pool at once. */
  body: Buffer
}

export interface Upstream {
  readonly name: string
  readonly origin: string
  readonly breakerState: 'closed' | 'open' | 'half-open'
  request(path: string, options?: RequestOptions): Promise<UpstreamResponse>
  /** GET (by default) and parse JSON (an empty body is undefined); a non-2xx answer throws CORRAL_ERR_UPSTREAM_STATUS. */
  json<T = unknown>(path: string, options?: RequestOptions): Promise<T>
  text(path: string, options?: RequestOptions): Promise<string>
  close(): Promise<void>
}

const openNames = new Set<string>()

export function upstream(options: UpstreamOptions): Upstream {
  const name = nameOption('upstream', options.name)
  const owner = `upstream ${name}`
  const origin = originOption(owner, options.origin)
  if (openNames.has(name)) throw corralError('CORRAL_ERR_IO_OPTION', owner, 'name', 'not used by another open upstream', JSON.stringify(name))
  const timeoutMs = msOption(owner, 'timeoutMs', options.timeoutMs, 10_000)
  const o = Object.freeze({
    timeoutMs,
    headersTimeoutMs: msOption(owner, 'headersTimeoutMs', options.headersTimeoutMs, timeoutMs),
    bodyTimeoutMs: msOption(owner, 'bodyTimeoutMs', options.bodyTimeoutMs, timeoutMs),
    retries: intOption(owner, 'retries', options.retries, 2, 0),
    backoff: Object.freeze({ ...options.backoff }),
    headers: Object.freeze({ ...options.headers }),
  })
  const pool = new Pool(origin, {
    connections: intOption(owner, 'connections', options.connections, 32),
    connectTimeout: msOption(owner, 'connectTimeoutMs', options.connectTimeoutMs, 1000),
    keepAliveTimeout: msOption(owner, 'keepAliveTimeoutMs', options.keepAliveTimeoutMs, 4000),
    maxResponseSize: intOption(owner, 'maxResponseBytes', options.maxResponseBytes, 16 * 1024 * 1024),
  })
  const breaker = options.breaker === false ? undefined : makeBreaker(owner, name, options.breaker ?? {}, options.now)
  const labels = { upstream: name }
  metrics.breaker.set(labels, 0)
  openNames.add(name)

  async function request(path: string, req: RequestOptions = {}): Promise<UpstreamResponse> {
    const method = (req.method ?? 'GET').toUpperCase()
    const budget = req.timeoutMs ?? o.timeoutMs
    const canRetry = req.idempotent ?? isIdempotent(method)
    const headers: Record<string, string> = { ...o.headers, ...req.headers }
    let body = req.body
    if (req.json !== undefined) {
      body = JSON.stringify(req.json)
      headers['content-type'] ??= 'application/json'
    }
    // One signal per request: the caller's deadline or our own budget, whichever comes first.
    const controller = new AbortController()
    const caller = req.signal
    const onCallerAbort = () => controller.abort(caller!.reason)
    if (caller?.aborted) throw caller.reason
    caller?.addEventListener('abort', onCallerAbort, { once: true })
    const timer = setTimeout(() => controller.abort(corralError('CORRAL_ERR_UPSTREAM_TIMEOUT', name, method, path, budget)), budget)
    const signal = controller.signal
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) metrics.retries.inc(labels)
        if (breaker && !breaker.allow()) {
          metrics.errors.inc({ ...labels, kind: 'open' })
          throw corralError('CORRAL_ERR_UPSTREAM_OPEN', name)
        }
        const last = !canRetry || attempt >= o.retries
        const started = performance.now()
        try {
          const res = await pool.request({
            path, method, headers, body, signal,
            headersTimeout: o.headersTimeoutMs, bodyTimeout: o.bodyTimeoutMs,
          })
          const bytes = Buffer.from(await res.body.arrayBuffer())
          const status = res.statusCode
          metrics.duration.observe({ ...labels, outcome: `${Math.floor(status / 100)}xx` }, (performance.now() - started) / 1000)
          if (status >= 500) {
            breaker?.failure()
            metrics.errors.inc({ ...labels, kind: 'status' })
          } else breaker?.success()
          if (last || !retryableStatuses.has(status)) return { status, headers: res.headers, body: bytes }
        } catch (err) {
          metrics.duration.observe({ ...labels, outcome: 'error' }, (performance.now() - started) / 1000)
          if (signal.aborted) {
            // Our own budget ran out: the upstream was too slow, which the breaker should learn.
            // The caller gave up (its deadline, a lost race): not the upstream's fault, no verdict.
            const ownTimeout = !caller?.aborted
            if (ownTimeout) { breaker?.failure(); metrics.errors.inc({ ...labels, kind: 'timeout' }) } else breaker?.neutral()
            throw signal.reason
          }
          const kind = errorKind(err)
          breaker?.failure()
          metrics.errors.inc({ ...labels, kind })
          if (last || kind === 'other') {
            throw Object.assign(corralError('CORRAL_ERR_UPSTREAM_FAILED', name, method, path, (err as Error).message), { cause: err })
          }
        }
        // Outside the try above: a deadline that fires while we wait is not one more upstream failure.
        await pause(backoffMs(attempt, o.backoff), signal)
      }
    } finally {
      clearTimeout(timer)
      caller?.removeEventListener('abort', onCallerAbort)
    }
  }

  async function text(path: string, req: RequestOptions = {}): Promise<string> {
    const res = await request(path, req)
    if (res.status < 200 || res.status > 299) {
      throw Object.assign(corralError('CORRAL_ERR_UPSTREAM_STATUS', name, res.status, (req.method ?? 'GET').toUpperCase(), path), { upstreamStatus: res.status })
    }
    return res.body.toString('utf8')
  }

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      unregister()
      openNames.delete(name)
      await pool.close()
    })()
    return closing
  }
  const unregister = onClose(owner, close)

  return {
    name,
    origin,
    get breakerState() { return breaker?.state ?? 'closed' },
    request,
    text,
    // An empty 2xx body (204, or a HEAD) is undefined rather than a JSON syntax error.
    json: async <T>(path: string, req: RequestOptions = {}) => {
      const body = await text(path, req)
      return (body === '' ? undefined : JSON.parse(body)) as T
    },
    close,
  }
}

function makeBreaker(owner: string, name: string, b: BreakerOptions, now?: () => number): Breaker {
  const checked: BreakerOptions = {
    failures: intOption(owner, 'breaker.failures', b.failures, 5),
    ratio: ratioOption(owner, 'breaker.ratio', b.ratio, 0.5),
    minRequests: intOption(owner, 'breaker.minRequests', b.minRequests, 20),
    windowMs: msOption(owner, 'breaker.windowMs', b.windowMs, 10_000),
    coolDownMs: msOption(owner, 'breaker.coolDownMs', b.coolDownMs, 5_000),
    probes: intOption(owner, 'breaker.probes', b.probes, 1),
  }
  return new Breaker(checked, { now, onChange: (state) => metrics.breaker.set({ upstream: name }, breakerStateValue[state]) })
}
