/**
 * Rolls: replace workers one at a time, surge first. Spawn one new worker, wait until it is
 * ready, then retire one old worker; repeat. Capacity never drops below the target, and a new
 * worker that is not ready within --boot-timeout stops the roll with the old workers serving.
 * Reload (SIGHUP) and recycling both roll; only one roll runs at a time.
 */
import { callHook, type Hooks } from '../config/hooks.js'
import type { Settings } from '../config/settings/index.js'
import type { Arbiter } from './arbiter.js'
import type { ExitReason, WorkerRecord } from './worker-record.js'

let rolling: Promise<boolean> | undefined

export const isRolling = () => rolling !== undefined

/** Roll the given workers, one at a time. Resolves false if a new worker failed to become ready. */
export function roll(a: Arbiter, victims: readonly WorkerRecord[], reason: ExitReason): Promise<boolean> {
  const run = async (): Promise<boolean> => {
    for (const old of victims) {
      if (a.state !== 'running') return false
      if (old.state === 'draining') continue
      const fresh = a.spawn()
      const ready = await a.untilReady(fresh, a.settings.bootTimeout)
      if (ready !== true) {
        a.log.error({ worker: fresh.id, reason, code: ready.code }, `${reason} stopped: new worker ${fresh.id} did not become ready (${ready.message}); the old workers keep serving`)
        if (fresh.process.isConnected()) a.kill(fresh, 'boot_failed')
        return false
      }
      a.retire(old, reason)
    }
    return true
  }
  const previous = rolling ?? Promise.resolve(true)
  const mine: Promise<boolean> = previous.then(run).finally(() => { if (rolling === mine) rolling = undefined })
  rolling = mine
  return mine
}

export interface Reloaded { settings: Settings; hooks: Hooks; workers: number; threads: number }

/** SIGHUP: read the config again and roll every worker onto it; on failure, go back to the old config. */
export async function reload(a: Arbiter, reread: () => Promise<Reloaded>): Promise<boolean> {
  await callHook(a.hooks, 'onReload', a.log, false, a.view())
  let next: Reloaded
  try {
    next = await reread()
  } catch (err) {
    a.log.error({ err }, `reload refused: the config does not load (${(err as Error).message}); nothing changed`)
    return false
  }
  const before = { settings: a.settings, hooks: a.hooks, generation: a.generation, threads: a.threads }
  if (JSON.stringify(next.settings.bind) !== JSON.stringify(a.settings.bind) || next.settings.port !== a.settings.port || next.settings.host !== a.settings.host) {
    a.log.warn('listen addresses changed in the config; they take effect only on a restart')
  }
  a.settings = { ...next.settings, bind: a.settings.bind, host: a.settings.host, port: a.settings.port }
  a.hooks = next.hooks
  a.threads = next.threads
  a.generation++
  a.log.info({ generation: a.generation }, `Reloading: rolling ${a.serving().length} workers onto generation ${a.generation}`)
  const victims = a.serving().filter((w) => w.generation < a.generation)
  const ok = await roll(a, victims, 'reload')
  if (!ok) {
    Object.assign(a, before)
    a.maintain()
    return false
  }
  if (next.workers !== a.target) a.scale(next.workers)
  a.log.info({ generation: a.generation }, `Reload done: generation ${a.generation} serving`)
  a.emit('reloaded', a.generation)
  return true
}
