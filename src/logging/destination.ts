/**
 * Log destinations: "-" for a standard stream, or a file opened for append. Writes go through
 * sonic-boom in asynchronous mode, so logging never blocks the event loop; files can be reopened
 * after logrotate moved them (SIGUSR1). Every destination is flushed synchronously at exit.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import sonicBoom, { type SonicBoom } from 'sonic-boom'

// sonic-boom is CommonJS: its named export exists for types only, the class is the default export.
const Boom = (sonicBoom as unknown as { SonicBoom: typeof SonicBoom }).SonicBoom

const open = new Set<SonicBoom>()

export function destination(target: string, stdFd: 1 | 2): SonicBoom {
  if (target !== '-') mkdirSync(dirname(target), { recursive: true })
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
