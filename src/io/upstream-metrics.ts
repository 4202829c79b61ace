/**
 * Per-upstream metric families, labelled by upstream name. Each upstream takes its series once
 * (upstreamSeries), so a request counts with additions (families.ts says why not prom-client's
 * classes on this path).
 */
import { counter, gauge, histogram, PREFIX, type Count, type Level, type Timing } from '../metrics/families.js'
import type { BreakerState } from './breaker.js'

export type ErrorKind = 'timeout' | 'connect' | 'reset' | 'status' | 'open' | 'limit' | 'other'
/** What became of a request its caller stopped waiting for (its deadline, a lost race). */
export type Fate = 'finished' | 'cut' | 'unsent'

const errorKinds: readonly ErrorKind[] = ['timeout', 'connect', 'reset', 'status', 'open', 'limit', 'other']
const fates: readonly Fate[] = ['finished', 'cut', 'unsent']

export const upstreamMetrics = {
  /** One observation per attempt (retries count separately); outcome is 2xx…5xx or error. */
  duration: histogram(`${PREFIX}upstream_request_duration_seconds`,
    'Time from sending a request to an upstream to having its whole answer, per attempt.',
    ['upstream', 'outcome'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  errors: counter(`${PREFIX}upstream_errors_total`,
    'Failed upstream attempts by kind: timeout, connect, reset, status (5xx), open (breaker failed fast), limit (waited past the ' +
    'adaptive concurrency limit and was refused), other.', ['upstream', 'kind']),
  retries: counter(`${PREFIX}upstream_retries_total`, 'Upstream attempts that were retries of an earlier failed attempt.', ['upstream']),
  breaker: gauge(`${PREFIX}upstream_breaker_state`, 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.', ['upstream']),
  limit: gauge(`${PREFIX}upstream_concurrency_limit`,
    'The adaptive concurrency limit per upstream: calls sent at once before others wait, then fail with CORRAL_ERR_UPSTREAM_LIMIT.', ['upstream']),
  connections: counter(`${PREFIX}upstream_connections_opened_total`,
    'Connections opened to the upstream (its rate is new connections per second; a healthy pool opens few).', ['upstream']),
  abandoned: counter(`${PREFIX}upstream_abandoned_total`,
    'Requests whose caller stopped waiting: finished (the late answer was read within lingerMs and its connection went back ' +
    'to the pool), cut (no answer within lingerMs: the connection was closed), unsent (cancelled before it was sent).', ['upstream', 'fate']),
}

export interface UpstreamSeries {
  /** Duration by status class: index 1…5 for 1xx…5xx, 0 for an attempt that ended in an error. */
  duration: Timing[]
  errors: Record<ErrorKind, Count>
  retries: Count
  breaker: Level
  limit: Level
  connections: Count
  abandoned: Record<Fate, Count>
}

export function upstreamSeries(name: string): UpstreamSeries {
  const m = upstreamMetrics
  return {
    duration: ['error', '1xx', '2xx', '3xx', '4xx', '5xx'].map((outcome) => m.duration.labels(name, outcome)),
    errors: Object.fromEntries(errorKinds.map((k) => [k, m.errors.labels(name, k)])) as Record<ErrorKind, Count>,
    retries: m.retries.labels(name),
    breaker: m.breaker.labels(name),
    limit: m.limit.labels(name),
    connections: m.connections.labels(name),
    abandoned: Object.fromEntries(fates.map((f) => [f, m.abandoned.labels(name, f)])) as Record<Fate, Count>,
  }
}

export const breakerStateValue: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 }

/** undici and Node error codes, sorted into the kinds above; anything unknown is 'other' and not retried. */
const kindByCode: Record<string, ErrorKind> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect', ECONNREFUSED: 'connect', ENOTFOUND: 'connect', EAI_AGAIN: 'connect',
  EHOSTUNREACH: 'connect', ENETUNREACH: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'timeout', UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'reset', ECONNRESET: 'reset', EPIPE: 'reset', UND_ERR_CLOSED: 'reset',
}

export function errorKind(err: unknown): ErrorKind {
  const code = (err as { code?: unknown } | null)?.code
  return (typeof code === 'string' && kindByCode[code]) || 'other'
}
