/**
 * One recycle policy: a worker is recycled when it has served its --max-requests (jitter applied
 * at spawn), lived its --max-worker-lifetime, or grown past --max-worker-memory — but never
 * before --min-worker-uptime, so a policy cannot churn workers.
 */
import type { Settings } from '../config/settings/index.js'
import type { ExitReason, WorkerRecord } from './worker-record.js'

export function recycleReason(w: WorkerRecord, s: Settings, now: number): ExitReason | undefined {
  if (w.state !== 'ready' || now - w.spawnedAt < s.minWorkerUptime) return undefined
  if (w.maxRequests > 0 && w.served >= w.maxRequests) return 'max_requests'
  if (w.maxLifetimeMs > 0 && now - w.spawnedAt >= w.maxLifetimeMs) return 'lifetime'
  if (s.maxWorkerMemory > 0 && w.rss >= s.maxWorkerMemory) return 'memory'
  return undefined
}
