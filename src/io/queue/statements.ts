/**
 * The SQL each queue verb runs. Every verb is ONE statement, so none holds a transaction open:
 * on the embedded PGlite an open transaction would stall every other connection.
 * Times come from the database's clock, so hosts with skewed clocks agree on leases and delays.
 */
import { DEDUPE_HELD } from './schema.js'

export function statements(schema: string) {
  const t = `${schema}.jobs`
  return {
    /** No row back when a queued or active job already holds the dedupe key ($8). */
    enqueue: `INSERT INTO ${t} (queue, payload, priority, max_attempts, backoff_ms, backoff_max_ms, run_at, dedupe_key)
      VALUES ($1, $2::jsonb, $3, $4, $5, $6, now() + $7 * interval '1 millisecond', $8)
      ON CONFLICT (queue, dedupe_key) WHERE ${DEDUPE_HELD} DO NOTHING RETURNING id`,

    /** The job holding a dedupe key, when enqueue found one. */
    holder: `SELECT id FROM ${t} WHERE queue = $1 AND dedupe_key = $2 AND ${DEDUPE_HELD}`,

    /** Jobs whose consumer stopped renewing (killed, frozen) go back to the queue, or to dead. */
    reap: `UPDATE ${t} SET
        state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
        lease_until = NULL, run_at = now(),
        last_error = 'lease expired: its consumer stopped renewing it (killed or stuck)'
      WHERE queue = $1 AND state = 'active' AND lease_until < now()`,

    /** SKIP LOCKED: consumers on other connections and hosts each take different rows, nobody waits. */
    claim: `WITH next AS (
        SELECT id FROM ${t}
        WHERE queue = $1 AND state = 'queued' AND run_at <= now()
        ORDER BY priority DESC, run_at, id
        LIMIT $2 FOR UPDATE SKIP LOCKED)
      UPDATE ${t} j SET state = 'active', attempts = j.attempts + 1,
        lease_until = now() + $3 * interval '1 millisecond'
      FROM next WHERE j.id = next.id
      RETURNING j.id, j.payload, j.attempts, j.max_attempts, j.priority`,

    renew: `UPDATE ${t} SET lease_until = now() + $3 * interval '1 millisecond'
      WHERE id = $1 AND attempts = $2 AND state = 'active' RETURNING id`,

    complete: `UPDATE ${t} SET state = 'done', lease_until = NULL, finished_at = now()
      WHERE id = $1 AND attempts = $2 AND state = 'active'`,

    /** Exponential backoff: backoff_ms × 2^(attempt−1), capped at backoff_max_ms. */
    fail: `UPDATE ${t} SET
        state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
        run_at = now() + least(backoff_max_ms, backoff_ms * power(2, attempts - 1)) * interval '1 millisecond',
        lease_until = NULL, last_error = $3
      WHERE id = $1 AND attempts = $2 AND state = 'active'`,

    /** A cron slot ($7 pattern, $8 time) enqueues its job only if no process has taken the slot yet. */
    cron: `WITH slot AS (
        INSERT INTO ${schema}.cron_slots (queue, pattern, slot) VALUES ($1, $7, $8) ON CONFLICT DO NOTHING RETURNING 1)
      INSERT INTO ${t} (queue, payload, priority, max_attempts, backoff_ms, backoff_max_ms)
      SELECT $1, $2::jsonb, $3, $4, $5, $6 FROM slot RETURNING id`,

    status: `SELECT id, queue, state, priority, attempts, max_attempts, run_at, last_error, created_at, finished_at
      FROM ${t} WHERE id = $1`,

    dead: `SELECT id, queue, state, priority, attempts, max_attempts, run_at, last_error, created_at, finished_at
      FROM ${t} WHERE queue = $1 AND state = 'dead' ORDER BY finished_at DESC LIMIT $2`,

    /** Jobs per queue and state, each part over its partial index (finished jobs are not counted). */
    depth: `SELECT queue, 'queued' AS state, count(*)::int AS n FROM ${t} WHERE state = 'queued' GROUP BY queue
      UNION ALL SELECT queue, 'active', count(*)::int FROM ${t} WHERE state = 'active' GROUP BY queue
      UNION ALL SELECT queue, 'dead', count(*)::int FROM ${t} WHERE state = 'dead' GROUP BY queue`,

    prune: `DELETE FROM ${t} WHERE state = 'done' AND finished_at < now() - $1 * interval '1 millisecond'`,
    pruneSlots: `DELETE FROM ${schema}.cron_slots WHERE slot < now() - $1 * interval '1 millisecond'`,
  }
}

export type Statements = ReturnType<typeof statements>
