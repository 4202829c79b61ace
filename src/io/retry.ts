/**
 * When and how long to wait before trying an upstream request again.
 *
 * Only idempotent methods are retried (RFC 9110 §9.2.2): sending a POST twice may charge a card
 * twice. A caller who made a POST safe to repeat (an idempotency key) says so with `idempotent: true`.
 */
import { setTimeout as sleep } from 'node:timers/promises'

const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export function isIdempotent(method: string): boolean {
  return idempotentMethods.has(method.toUpperCase())
}

/** Statuses that say "try again", not "your request is wrong". */
export const retryableStatuses: ReadonlySet<number> = new Set([502, 503, 504])

export interface BackoffOptions {
  /** First delay's ceiling. Default 20 ms. */
  baseMs?: number
  /** Cap on any delay. Default 1000 ms. */
  maxMs?: number
}

/**
 * "Full jitter" (AWS architecture blog, 2015): a random delay in [0, min(max, base·2^attempt)].
 * Clients that failed together then retry apart instead of hitting a recovering upstream in lockstep.
 */
export function backoffMs(attempt: number, { baseMs = 20, maxMs = 1000 }: BackoffOptions = {}, random = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt))
}

/** Waits, but stops at once (rejecting with the signal's reason) if the signal aborts. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return
  try {
    await sleep(ms, undefined, { signal })
  } catch (err) {
    throw signal?.aborted ? signal.reason : err
  }
}
