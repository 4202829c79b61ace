/**
 * The shop's error answers: one JSON shape, a stable code a client can branch on, and for bad
 * input the field at fault, so a client never has to parse the message.
 *
 *   { "error": { "code": "SHOP_INVALID_FIELD", "field": "quantity", "message": "…" } }
 */
export const problems = {
  SHOP_INVALID_FIELD: 400,
  SHOP_NOT_FOUND: 404,
  SHOP_SOLD_OUT: 409,
  SHOP_IDEMPOTENCY_MISMATCH: 422,
  SHOP_UNAVAILABLE: 503,
  SHOP_TIMEOUT: 504,
  SHOP_INTERNAL: 500,
} as const

export type ProblemCode = keyof typeof problems

export class Problem extends Error {
  constructor(readonly code: ProblemCode, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message)
  }

  get status(): number { return problems[this.code] }

  toResponse(): Response {
    // A 503 is an outage the client may wait out: it says when to come back.
    const headers: Record<string, string> = this.status === 503 ? { 'retry-after': String(RETRY_AFTER_S) } : {}
    return Response.json({ error: { code: this.code, ...this.extra, message: this.message } }, { status: this.status, headers })
  }
}

const RETRY_AFTER_S = 1

/**
 * What corral/io throws when something the shop depends on fails (the database unreachable, an
 * open breaker, a statement past its timeout) carries a 502, 503 or 504 status: the shop answers
 * 503 or 504 with its own shape, never 500, which would read as a bug in the shop.
 */
export function fromDependency(err: unknown): Problem | undefined {
  const { code, status } = err as { code?: unknown; status?: unknown }
  if (typeof code !== 'string' || !code.startsWith('CORRAL_ERR_') || typeof status !== 'number') return undefined
  if (status === 504) return new Problem('SHOP_TIMEOUT', 'a dependency did not answer in time', { cause: code })
  if (status === 502 || status === 503) return new Problem('SHOP_UNAVAILABLE', 'a dependency is unavailable; retry shortly', { cause: code })
  return undefined
}

/** Bad input: 400 naming the field and quoting what was received. */
export function invalid(field: string, expected: string, received: unknown): Problem {
  const shown = received === undefined ? 'nothing' : JSON.stringify(received)
  return new Problem('SHOP_INVALID_FIELD', `${field} must be ${expected}, received ${shown}`, { field })
}
