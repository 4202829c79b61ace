/**
 * The arbiter's periodic look at its workers: a worker whose heartbeat stopped is stuck (its event
 * loop is blocked) and is killed with an account of what it was doing; a worker past a recycle
 * threshold is recycled through a roll, one at a time.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs'
import type { Arbiter } from './arbiter.js'
import { recycleReason } from './recycle.js'
import { isRolling, roll } from './reload.js'
import type { WorkerRecord } from './worker-record.js'
import { stuckReportFile, type StuckReport } from '../ipc/stuck-report.js'

/** A blocked loop ignores SIGABRT's handler; give it this long to run workerAbort, then SIGKILL. */
const ABORT_GRACE_MS = 1000

function readReport(pid: number): StuckReport | undefined {
  const file = stuckReportFile(pid)
  if (!existsSync(file)) return undefined
  try { return JSON.parse(readFileSync(file, 'utf8')) } catch { return undefined } finally { try { unlinkSync(file) } catch { /* gone */ } }
}

function killStuck(a: Arbiter, w: WorkerRecord, now: number): void {
  const blockedMs = now - w.lastBeatAt
  // The watchdog's report (taken while blocked) is the truth; the last beat may predate the request.
  const report = readReport(w.pid)
  const stack = report?.stack
  const taken = report?.inFlight !== undefined
  const inFlight = report?.inFlight ?? (w.beat?.oldest ?? []).map((r) => ({ ...r, ms: r.ms + (now - (w.beat?.at ?? now)) }))
  const doing = inFlight.map((r) => `${r.method} ${r.url} (running ${r.ms}ms, request ${r.id})`)
  a.log.error({ worker: w.id, workerPid: w.pid, blockedMs, inFlight, stack },
    `WORKER TIMEOUT: worker ${w.id} (pid: ${w.pid}) sent no heartbeat for ${blockedMs}ms: its event loop is blocked. ` +
    (doing.length ? `In flight ${taken ? 'while blocked' : 'at its last beat'}: ${doing.join('; ')}.` : taken ? 'No request was in flight.' : 'No request was in flight at its last beat.') +
    (stack ? `\nBlocked at:\n${stack}` : a.settings.workerStacks === false
      ? ' No stack was taken (--no-worker-stacks: the request that blocked may have arrived after the last beat).'
      : ' No JavaScript stack could be taken (blocked in native code, or too early).') +
    ' Killing it and starting another.')
  a.kill(w, 'timeout', 'SIGABRT')
  setTimeout(() => { if (!w.process.isDead()) w.process.process.kill('SIGKILL') }, ABORT_GRACE_MS).unref()
}

export function watchWorkers(a: Arbiter, intervalMs = 250): () => void {
  const timer = setInterval(() => {
    if (a.state !== 'running') return
    const now = Date.now()
    const timeout = a.settings.workerTimeout
    for (const w of a.workers()) {
      if (w.state === 'booting') continue
      if (timeout > 0 && now - w.lastBeatAt > timeout && !w.process.isDead() && w.exitReason !== 'timeout') {
        killStuck(a, w, now)
      }
    }
    if (isRolling()) return
    for (const w of a.serving()) {
      const reason = recycleReason(w, a.settings, now)
      if (!reason) continue
      a.log.info({ worker: w.id, reason, served: w.served, rss: w.rss }, `Recycling worker ${w.id} (${reason})`)
      void roll(a, [w], reason)
      return // one at a time
    }
  }, intervalMs)
  return () => clearInterval(timer)
}
