/**
 * Log destinations: "-" for a standard stream, or a file opened for append. Writes go through
 * sonic-boom in asynchronous mode, so logging never blocks the event loop; files can be reopened
 * after logrotate moved them (SIGUSR1). Every destination is flushed synchronously at exit.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { SonicBoom } from 'sonic-boom'

// Required when the first destination opens, not imported: a process that never opens one (a quiet
// worker) does not load it, and Node 20 starts its export scanner for CommonJS (cjs-module-lexer)
// only for an `import` of CommonJS: 3-8 ms of a worker's boot before its first answer (--cpu-prof).
const require = createRequire(import.meta.url)
let Boom: typeof SonicBoom | undefined

const open = new Set<SonicBoom>()

export function destination(target: string, stdFd: 1 | 2): SonicBoom {
  if (target !== '-') mkdirSync(dirname(target), { recursive: true })
  Boom ??= (require('sonic-boom') as { SonicBoom: typeof SonicBoom }).SonicBoom
  const dest = new Boom({ dest: target === '-' ? stdFd : target, sync: false, append: true, mkdir: true, minLength: 0 })
  dest.on('error', () => {}) // a full disk or closed pipe must not crash the server; the write is lost
  open.add(dest)
  return dest
}

export function reopenAll(): void {
  for (const dest of open) if (typeof (dest as unknown as { file?: unknown }).file === 'string') dest.reopen()
}

export function flushAll(): void {
  for (const dest of open) {
    try { dest.flushSync() } catch { /* not ready yet or already closed */ }
  }
}
