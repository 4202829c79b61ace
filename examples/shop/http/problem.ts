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
  SHOP_INTERNAL: 500,
} as const

export type ProblemCode = keyof typeof problems

export class Problem extends Error {
  constructor(readonly code: ProblemCode, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message)
  }

  get status(): number { return problems[this.code] }

  toResponse(): Response {
    return Response.json({ error: { code: this.code, ...this.extra, message: this.message } }, { status: this.status })
  }
}

/** Bad input: 400 naming the field and quoting what was received. */
export function invalid(field: string, expected: string, received: unknown): Problem {
  const shown = received === undefined ? 'nothing' : JSON.stringify(received)
  return new Problem('SHOP_INVALID_FIELD', `${field} must be ${expected}, received ${shown}`, { field })
}
