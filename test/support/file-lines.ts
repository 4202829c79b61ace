/** A log the server writes as it answers (an access log), read once it holds the lines a test waits for. */
import { existsSync, readFileSync } from 'node:fs'
import { pollFor } from './poll.js'

/** The file's non-empty lines once there are at least `n`; fails with the last of them after `timeoutMs`. */
export function linesOf(file: string, n: number, timeoutMs = 5000): Promise<string[]> {
  let all: string[] = []
  return pollFor(`${n} line(s) in ${file}`, () => {
    all = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
    return all.length >= n && all
  }, { timeoutMs, last: () => `it has ${all.length}, the last: ${all.slice(-3).join(' | ')}` })
}
