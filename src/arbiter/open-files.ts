/**
 * How many descriptors this process may open (RLIMIT_NOFILE's soft limit), read from
 * /proc/self/limits: Node has no getrlimit. Undefined where it cannot be read (not Linux).
 */
import { readFileSync } from 'node:fs'

export function openFilesLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1]
    if (line === undefined) return undefined
    return line === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line) || undefined
  } catch {
    return undefined
  }
}
