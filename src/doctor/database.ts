/**
 * The database the app would use, for the pool advice: a real server is asked for its limits (one
 * short connection); the embedded PostgreSQL, used when the app ships migrations and names no
 * server, has fixed ones. None when the app has no database.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Settings } from '../config/settings/index.js'
import type { ServerLimits } from '../io/db/sizing.js'

export async function databaseLimits(s: Settings): Promise<{ limits: ServerLimits; hosts: number } | undefined> {
  if (s.databaseUrl) {
    const { readServerLimits } = await import('../io/db/sizing.js')
    try {
      return { limits: await readServerLimits(s.databaseUrl), hosts: s.dbHosts }
    } catch {
      return undefined // unreachable now: the advice leaves the pool out rather than guess
    }
  }
  if (s.migrations && existsSync(resolve(s.migrations))) {
    const { EMBEDDED_MAX_CONNECTIONS } = await import('../io/db/embedded-limits.js')
    return { limits: { maxConnections: EMBEDDED_MAX_CONNECTIONS, reserved: 0, inUse: 0, embedded: true }, hosts: 1 }
  }
  return undefined
}
