/**
 * A named upstream: one HTTP origin behind an undici Pool (keep-alive connections, reused across
 * requests), with a budget per request, retries for idempotent methods, and a circuit breaker that
 * fails fast so gather()'s fallback answers instead of a timeout.
 *
 *   const prices = upstream({ name: 'price', origin: 'http://127.0.0.1:9101', timeoutMs: 300 })
 *   const price = await prices.json<{ price: number }>('/price/1', { signal })
 *
 * The caller stops waiting the moment its budget passes or its signal aborts. The request itself
 * may finish for lingerMs more, so a late answer returns its connection to the pool instead of
 * closing it; one still unanswered then is cut, which closes its connection (upstream-call.ts).
 */
import { corralError } from '../errors.js'
import { onClose } from './lifecycle.js'
import { Breaker, type BreakerOptions } from './breaker.js'
import { isIdempotent, type BackoffOptions } from './retry.js'
import { breakerStateValue, upstreamSeries } from './upstream-metrics.js'
import { UpstreamLimit, type UpstreamLimitOptions } from './upstream-limit.js'
import { UpstreamPool } from './upstream-pool.js'
import { UpstreamCall, type Read, type UpstreamCore, type UpstreamResponse } from './upstream-call.js'
import { intOption, msOption, msOrZeroOption, nameOption, numberAtLeastOption, originOption, ratioOption } from './options.js'

export type { UpstreamResponse } from './upstream-call.js'

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
  /**
   * How long a request whose caller stopped waiting (its budget, its signal) may still finish, so
   * its keep-alive connection goes back to the pool instead of being closed. Past it the request
   * is cut and its connection closed. 0 cuts at once. Default 1 s.
   */
  lingerMs?: number
  /** From sending the request to the response headers, per attempt; past it the connection is closed. Default: timeoutMs + lingerMs. */
  headersTimeoutMs?: number
  /** Longest gap between body chunks, per attempt; past it the connection is closed. Default: timeoutMs + lingerMs. */
  bodyTimeoutMs?: number
  /** How long an idle connection is kept open. Default 4 s (undici's); keep it under the upstream's own. */
  keepAliveTimeoutMs?: number
  /** Extra attempts for idempotent requests after a network error or a 502/503/504. Default 2. */
  retries?: number
  backoff?: BackoffOptions
  /** Circuit breaker settings, or false for none. */
  breaker?: BreakerOptions | false
  /**
   * Adaptive concurrency (upstream-limit.ts): calls at once within [min, connections], fewer as the
   * upstream slows against its own baseline; a call past it waits waitMs, then fails with
   * CORRAL_ERR_UPSTREAM_LIMIT (503). false sends every call (undici queues what passes connections).
   */
  limit?: UpstreamLimitOptions | false
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

export interface Upstream {
  readonly name: string
  readonly origin: string
  readonly breakerState: 'closed' | 'open' | 'half-open'
  /** Calls sent at once before others wait (the adaptive limit; the pool's connections with limit: false). */
  readonly concurrencyLimit: number
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
  const lingerMs = msOrZeroOption(owner, 'lingerMs', options.lingerMs, 1000)
  const connections = intOption(owner, 'connections', options.connections, 32)
  const pool = new UpstreamPool(origin, connections, {
    connectTimeout: msOption(owner, 'connectTimeoutMs', options.connectTimeoutMs, 1000),
    keepAliveTimeout: msOption(owner, 'keepAliveTimeoutMs', options.keepAliveTimeoutMs, 4000),
    maxResponseSize: intOption(owner, 'maxResponseBytes', options.maxResponseBytes, 16 * 1024 * 1024),
  })
  const series = upstreamSeries(name)
  const breaker = options.breaker === false ? undefined : makeBreaker(owner, options.breaker ?? {}, series.breaker, options.now)
  const limit = options.limit === false ? undefined : makeLimit(owner, connections, options.limit ?? {})
  if (limit) series.limit.set(limit.current)
  const core: UpstreamCore = Object.freeze({
    name, pool, breaker, limit, series, lingerMs,
    retries: intOption(owner, 'retries', options.retries, 2, 0),
    backoff: Object.freeze({ ...options.backoff }),
    headersTimeoutMs: msOption(owner, 'headersTimeoutMs', options.headersTimeoutMs, timeoutMs + lingerMs),
    bodyTimeoutMs: msOption(owner, 'bodyTimeoutMs', options.bodyTimeoutMs, timeoutMs + lingerMs),
  })
  // Headers of every request as undici's flat list, made once; a request with headers of its own merges.
  const fixed = Object.freeze({ ...options.headers })
  const fixedList = Object.keys(fixed).length > 0 ? Object.entries(fixed).flat() : undefined
  series.breaker.set(0)
  pool.onConnect(() => series.connections.inc())
  openNames.add(name)

  function call(path: string, req: RequestOptions | undefined, read: Read): Promise<unknown> {
    if (req === undefined) {
      return new Promise((resolve, reject) => new UpstreamCall(core, path, 'GET', fixedList, undefined, timeoutMs, true, read, undefined, resolve, reject).start())
    }
    const method = req.method === undefined ? 'GET' : req.method.toUpperCase()
    let headers = fixedList
    let body = req.body
    if (req.headers !== undefined || req.json !== undefined) {
      const merged: Record<string, string> = { ...fixed, ...req.headers }
      if (req.json !== undefined) {
        body = JSON.stringify(req.json)
        if (!Object.keys(merged).some((k) => k.toLowerCase() === 'content-type')) merged['content-type'] = 'application/json'
      }
      headers = Object.entries(merged).flat()
    }
    return new Promise((resolve, reject) => new UpstreamCall(core, path, method, headers, body, req.timeoutMs ?? timeoutMs,
      req.idempotent ?? isIdempotent(method), read, req.signal, resolve, reject).start())
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
    get concurrencyLimit() { return limit?.current ?? connections },
    request: (path, req) => call(path, req, 'raw') as Promise<UpstreamResponse>,
    text: (path, req) => call(path, req, 'text') as Promise<string>,
    json: <T>(path: string, req?: RequestOptions) => call(path, req, 'json') as Promise<T>,
    close,
  }
}

function makeBreaker(owner: string, b: BreakerOptions, gauge: { set(v: number): void }, now?: () => number): Breaker {
  const checked: BreakerOptions = {
    failures: intOption(owner, 'breaker.failures', b.failures, 5),
    ratio: ratioOption(owner, 'breaker.ratio', b.ratio, 0.5),
    minRequests: intOption(owner, 'breaker.minRequests', b.minRequests, 20),
    windowMs: msOption(owner, 'breaker.windowMs', b.windowMs, 10_000),
    coolDownMs: msOption(owner, 'breaker.coolDownMs', b.coolDownMs, 5_000),
    probes: intOption(owner, 'breaker.probes', b.probes, 1),
  }
  return new Breaker(checked, { now, onChange: (state) => gauge.set(breakerStateValue[state]) })
}

function makeLimit(owner: string, connections: number, l: UpstreamLimitOptions): UpstreamLimit {
  return new UpstreamLimit(connections, {
    min: intOption(owner, 'limit.min', l.min, 2),
    tolerance: numberAtLeastOption(owner, 'limit.tolerance', l.tolerance, 2, 1),
    waitMs: msOrZeroOption(owner, 'limit.waitMs', l.waitMs, 50),
  })
}
