/**
 * The master's side of --reload: watch the files the workers report loading (module-graph.ts),
 * the config file and --reload-extra-file, and call `changed` once per burst of saves.
 *
 * Each file's directory is watched with fs.watch (one inotify watch per directory), not the file:
 * editors often save by writing a new file and renaming it over the old one, which leaves a watch
 * on the old file's inode deaf. Written by hand rather than with chokidar because chokidar sets
 * its watches up asynchronously and says when only for the first batch: a file a worker reports
 * later could miss a save made right after. fs.watch is in place when it returns.
 *
 * Editors save in several steps (write, rename, chmod) and formatters save again right after: a
 * burst ends after QUIET_MS without an event. Changes that land while a reload runs make one more
 * reload when it ends, never a second one in parallel.
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

const QUIET_MS = 50

export interface CodeWatcher {
  /** Watch these files too (a worker reported loading them). */
  add(files: readonly string[]): void
  /** How many files are watched. */
  readonly size: number
  close(): void
}

export function watchCode(initial: readonly string[], changed: (files: string[]) => Promise<unknown>, onError: (dir: string, err: Error) => void): CodeWatcher {
  /** Per directory: its watch and the names in it that are watched. */
  const dirs = new Map<string, { watcher: FSWatcher; names: Set<string> }>()
  let size = 0
  let pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined

  const flush = () => {
    timer = undefined
    if (running || pending.size === 0) return
    const files = [...pending]
    pending = new Set()
    running = changed(files).catch(() => undefined).finally(() => {
      running = undefined
      if (pending.size > 0) flush()
    })
  }

  const add = (files: readonly string[]) => {
    for (const file of files.map((f) => resolve(f))) {
      const dir = dirname(file)
      const name = basename(file)
      let entry = dirs.get(dir)
      if (!entry) {
        let watcher: FSWatcher
        try {
          watcher = watch(dir, { persistent: false }, (_event, filename) => {
            const changedName = filename?.toString()
            if (!changedName || !dirs.get(dir)?.names.has(changedName)) return
            pending.add(join(dir, changedName))
            clearTimeout(timer)
            timer = setTimeout(flush, QUIET_MS)
          })
        } catch (err) {
          onError(dir, err as Error)
          continue
        }
        watcher.on('error', (err) => onError(dir, err))
        entry = { watcher, names: new Set() }
        dirs.set(dir, entry)
      }
      if (!entry.names.has(name)) { entry.names.add(name); size++ }
    }
  }
  add(initial)
  return {
    add,
    get size() { return size },
    close: () => {
      clearTimeout(timer)
      for (const { watcher } of dirs.values()) watcher.close()
      dirs.clear()
    },
  }
}
