/**
 * The queue's one table. A job is a row; its state moves
 *
 *   queued ──claim──► active ──done──► done
 *     ▲                 │ fail / lease expired
 *     └── attempts < max ┤
 *                        └── attempts = max ──► dead   (the dead letters: kept for a person to look at)
 *
 * `attempts` counts claims and doubles as the lease's fencing token: a consumer that lost its
 * lease (it stalled, another took the job) can no longer complete or fail that job.
 *
 * `dedupe_key`: at most one job per key and queue is queued or active (a unique partial index);
 * once it is done or dead the key is free again.
 */
import type { Db } from '../db/pool.js'

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** The rows that hold their dedupe key: the unique index's predicate, repeated by ON CONFLICT to find it. */
export const DEDUPE_HELD = `dedupe_key IS NOT NULL AND state IN ('queued', 'active')`

export async function install(db: Db, schema: string): Promise<void> {
  const t = `${schema}.jobs`
  await db.transaction(async (tx) => {
    // Many workers install at boot at once; concurrent CREATE … IF NOT EXISTS can still collide on
    // a real server, so they take turns.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`corral queue ${schema}`])
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t} (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      queue          text NOT NULL,
      payload        jsonb NOT NULL,
      state          text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'active', 'done', 'dead')),
      priority       int NOT NULL DEFAULT 0,
      attempts       int NOT NULL DEFAULT 0,
      max_attempts   int NOT NULL,
      backoff_ms     int NOT NULL,
      backoff_max_ms int NOT NULL,
      run_at         timestamptz NOT NULL DEFAULT now(),
      lease_until    timestamptz,
      last_error     text,
      created_at     timestamptz NOT NULL DEFAULT now(),
      finished_at    timestamptz)`)
    // Tables made before dedupe keys existed get the column; on a fresh table it is a no-op.
    await tx.query(`ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS dedupe_key text`)
    await tx.query(`CREATE INDEX IF NOT EXISTS jobs_ready ON ${t} (queue, priority DESC, run_at, id) WHERE state = 'queued'`)
    await tx.query(`CREATE INDEX IF NOT EXISTS jobs_leased ON ${t} (queue, lease_until) WHERE state = 'active'`)
    await tx.query(`CREATE UNIQUE INDEX IF NOT EXISTS jobs_dedupe ON ${t} (queue, dedupe_key) WHERE ${DEDUPE_HELD}`)
    // The cron slots taken: one row per (queue, pattern, time), so each slot enqueues once.
    await tx.query(`CREATE TABLE IF NOT EXISTS ${schema}.cron_slots (
      queue text NOT NULL, pattern text NOT NULL, slot timestamptz NOT NULL, PRIMARY KEY (queue, pattern, slot))`)
    await tx.query(`CREATE INDEX IF NOT EXISTS jobs_dead ON ${t} (queue, finished_at DESC) WHERE state = 'dead'`)
  })
}
