/**
 * The main thread's scheduler counters on Linux (/proc/thread-self/schedstat: nanoseconds on a
 * CPU, nanoseconds runnable but waiting for one, timeslices). The stall detector reads the wait
 * to tell a loop held by code from one the OS did not run. The file stays open and is read again
 * from offset 0 (pread): about 3 to 8 µs a read, a hundred times a second at most while requests
 * are in flight. Elsewhere (macOS, a kernel without schedstats) there is none, and stalls are not
 * told apart.
 */
import { openSync, readSync } from 'node:fs'

export interface Schedstat { waitingNs(): number }

export function openSchedstat(path = '/proc/thread-self/schedstat'): Schedstat | undefined {
  let fd: number
  try { fd = openSync(path, 'r') } catch { return undefined }
  const buf = Buffer.alloc(96)
  const read = (): number => {
    try {
      const n = readSync(fd, buf, 0, buf.length, 0)
      const text = buf.toString('latin1', 0, n)
      const second = text.indexOf(' ') + 1
      return Number(text.slice(second, text.indexOf(' ', second)))
    } catch {
      return 0
    }
  }
  if (!Number.isFinite(read())) return undefined
  return { waitingNs: read }
}
