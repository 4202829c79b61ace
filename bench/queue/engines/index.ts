/** The engines the queue bench compares, by name. */
import { bullmq } from './bullmq.js'
import { corral } from './corral.js'
import type { EngineFactory, EngineOptions } from './engine.js'
import { graphileWorker } from './graphile-worker.js'
import { pgBoss } from './pg-boss.js'

export const ENGINES: Record<string, EngineFactory> = { corral, 'pg-boss': pgBoss, 'graphile-worker': graphileWorker, bullmq }

export const engineOptions = (tag: string, fastRecovery = false): EngineOptions => ({
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  tag,
  fastRecovery,
})
