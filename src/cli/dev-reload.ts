/**
 * `corral serve --reload`: the arbiter's workers report the files they load (ipc `modules`); a
 * save to any of them, or to the config file, rolls the workers onto the new code through the
 * same surge-first reload as SIGHUP (arbiter/reload.ts). A new worker that fails to load stops the
 * roll with the old workers serving, and the log names the error's file and line.
 */
import type { Arbiter } from '../arbiter/arbiter.js'
import type { WorkerRecord } from '../arbiter/worker-record.js'
import { watchCode } from '../dev-reload/watcher.js'
import type { Logger } from '../logging/logger.js'

/** Start before the first workers are spawned: they report what they load while they boot. */
export function startDevReload(arbiter: Arbiter, log: Logger, files: readonly string[], reload: () => Promise<boolean>): { announce(): void; stop(): void } {
  const watcher = watchCode(files, async (changed) => {
    if (arbiter.state !== 'running') return
    const what = changed.length === 1 ? changed[0] : `${changed[0]} and ${changed.length - 1} more`
    log.info({ files: changed }, `Reload (--reload): ${what} changed`)
    const started = Date.now()
    const ok = await reload()
    if (ok) log.info({ ms: Date.now() - started }, `Reload (--reload): the new code is serving, ${Date.now() - started}ms after the change was seen`)
    else log.warn('Reload (--reload): the old workers keep serving; save again to retry')
  }, (dir, err) => log.warn({ err }, `--reload cannot watch ${dir}: ${err.message}`))
  const onModules = (_w: WorkerRecord, loaded: string[]) => {
    const before = watcher.size
    watcher.add(loaded)
    if (watcher.size > before) log.debug({ files: watcher.size }, `--reload: watching ${watcher.size} files`)
  }
  arbiter.on('modules', onModules)
  return {
    announce: () => log.info(`Reload on change (--reload): watching ${watcher.size} files (the workers' module graph${files.length ? ', the config' : ''})`),
    stop: () => { arbiter.off('modules', onModules); watcher.close() },
  }
}
