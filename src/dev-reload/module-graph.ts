/**
 * The files a worker has loaded: its app's module graph, for --reload. Node has no public list of
 * loaded ES modules, so a loader hook (loader-hook.ts, registered before the app is imported)
 * reports each file an import resolves to; CommonJS files (a .cjs app, .ts that tsx loads as
 * CommonJS) are read from require.cache. Dependencies in node_modules are left out: watching them
 * would cost thousands of watches, and a dependency change is a reinstall, which wants a restart.
 */
import { createRequire, register } from 'node:module'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'

// corral's own files (dist/ in a checkout; in an install they are in node_modules anyway) are not the app's.
const own = fileURLToPath(new URL('..', import.meta.url))
const local = (path: string) => !path.startsWith(own) && !path.includes('/node_modules/') && !path.includes('\\node_modules\\')

export interface ModuleGraph {
  /** Every local file loaded so far. */
  files(): string[]
  /**
   * Resolves once every file the loader thread has reported so far has arrived here (at most
   * `timeoutMs`): its messages cross threads, and on a loaded machine a worker was ready before the
   * app's own modules had come in, so the first report held only the config and an edit of the
   * app went unwatched (seen on Node 26 at load 12).
   */
  flush(timeoutMs: number): Promise<void>
  /** Called (at most every `ms`) with the files loaded since the last call; returns a stop function. */
  onAdded(ms: number, report: (files: string[]) => void): () => void
}

export function recordModuleGraph(): ModuleGraph {
  const seen = new Set<string>()
  const fresh = new Set<string>()
  const { port1, port2 } = new MessageChannel()
  let flushed: (() => void) | undefined
  port1.on('message', (url: string) => {
    if (url === 'flushed') { flushed?.(); return }
    const path = fileURLToPath(url.replace(/\?.*$/, ''))
    if (local(path) && !seen.has(path)) { seen.add(path); fresh.add(path) }
  })
  port1.unref()
  register(new URL('./loader-hook.js', import.meta.url), { data: { port: port2 }, transferList: [port2] })
  const cache = createRequire(import.meta.url).cache
  const readCache = () => {
    for (const path of Object.keys(cache)) if (local(path) && !seen.has(path)) { seen.add(path); fresh.add(path) }
  }
  return {
    flush(timeoutMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        flushed = () => { clearTimeout(timer); resolve() }
        // The port is unref'd; a ref'd one would keep a worker alive that has nothing else to do.
        port1.ref()
        port1.postMessage('flush')
      }).finally(() => { flushed = undefined; port1.unref() })
    },
    files() {
      readCache()
      fresh.clear()
      return [...seen]
    },
    onAdded(ms, report) {
      const timer = setInterval(() => {
        readCache()
        if (fresh.size === 0) return
        const added = [...fresh]
        fresh.clear()
        report(added)
      }, ms)
      timer.unref()
      return () => clearInterval(timer)
    },
  }
}
