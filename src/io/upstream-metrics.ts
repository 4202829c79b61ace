/**
 * Per-upstream metric families on the process registry, labelled by upstream name. Created on
 * first use and looked up afterwards, so loading this module twice (tests, tsx + dist) never
 * registers a family twice.
 */
import { Counter, Gauge, Histogram } from 'prom-client'
import { PREFIX, registry } from '../metrics/registry.js'
import type { BreakerState } from './breaker.js'

function family<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make()
}

export type ErrorKind = 'timeout' | 'connect' | 'reset' | 'status' | 'open' | 'other'

export const upstreamMetrics = {
  /** One observation per attempt (retries count separately); outcome is 2xx…5xx or error. */
  duration: family(`${PREFIX}upstream_request_duration_seconds`, () => new Histogram({
    name: `${PREFIX}upstream_request_duration_seconds`,
    help: 'Time from sending a request to an upstream to having its whole answer, per attempt.',
    labelNames: ['upstream', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })),
  errors: family(`${PREFIX}upstream_errors_total`, () => new Counter({
    name: `${PREFIX}upstream_errors_total`,
    help: 'Failed upstream attempts by kind: timeout, connect, reset, status (5xx), open (breaker failed fast), other.',
    labelNames: ['upstream', 'kind'] as const,
    registers: [registry],
  })),
  retries: family(`${PREFIX}upstream_retries_total`, () => new Counter({
    name: `${PREFIX}upstream_retries_total`,
    help: 'Upstream attempts that were retries of an earlier failed attempt.',
    labelNames: ['upstream'] as const,
    registers: [registry],
  })),
  breaker: family(`${PREFIX}upstream_breaker_state`, () => new Gauge({
    name: `${PREFIX}upstream_breaker_state`,
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
    labelNames: ['upstream'] as const,
    registers: [registry],
  })),
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
