/**
 * Reading request input at the edge. Each reader returns a checked value or throws a 400 Problem
 * naming the field; code past these trusts its input.
 */
import { invalid } from './problem.js'

/** A positive integer id from the path (or a query/header value), at most 2^31−1 so it fits int4 and bigint. */
export function id(field: string, raw: string | undefined): number {
  if (raw === undefined || !/^[1-9][0-9]{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) {
    throw invalid(field, 'a positive integer id', raw)
  }
  return Number(raw)
}

/** An optional integer query parameter within [min, max]. */
export function intParam(field: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback
  if (!/^-?[0-9]{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw invalid(field, `an integer from ${min} to ${max}`, raw)
  }
  return Number(raw)
}

/** An integer field of a JSON body within [min, max]; `fallback` when absent, if allowed. */
export function intField(body: Record<string, unknown>, field: string, min: number, max: number, fallback?: number): number {
  const v = body[field]
  if (v === undefined && fallback !== undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(field, `an integer from ${min} to ${max}`, v)
  }
  return v
}

/** The request body as a JSON object (not an array, not a scalar). */
export async function jsonObject(request: Request): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await request.text()
  } catch {
    throw invalid('body', 'a JSON object', 'an unreadable body')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalid('body', 'a JSON object', text.length > 60 ? `${text.slice(0, 60)}…` : text)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('body', 'a JSON object', value)
  return value as Record<string, unknown>
}

/** Idempotency-Key: 1–200 visible ASCII characters (a UUID is typical); absent is allowed. */
export function idempotencyKey(raw: string | undefined): string | null {
  if (raw === undefined) return null
  if (!/^[\x21-\x7e]{1,200}$/.test(raw)) throw invalid('Idempotency-Key', '1 to 200 visible ASCII characters', raw)
  return raw
}
