/**
 * sd_notify(3): tell systemd (or whatever set NOTIFY_SOCKET) that corral is ready, reloading or
 * stopping, which pid is the master, and a status line. Node cannot send a unix datagram
 * (node:dgram speaks UDP only), so corral runs systemd's own `systemd-notify`, which sends it and,
 * without --no-block, waits until the manager has read it: a message whose sender has already exited
 * could not be matched to the service. The sender is a child of the master, so the unit needs
 * NotifyAccess=all (deploy/systemd/corral.service), and every message names the master in MAINPID.
 */
import { spawn } from 'node:child_process'
import type { Logger } from '../logging/logger.js'

export interface Notifier {
  /** Send these fields (READY=1, STATUS=…); resolves once sent, never rejects. Messages go out in order. */
  notify(fields: Record<string, string | number>): Promise<void>
}

/** CLOCK_MONOTONIC in µs, which RELOADING=1 carries for Type=notify-reload (libuv's hrtime reads that clock). */
export const monotonicUsec = () => String(process.hrtime.bigint() / 1000n)

export function notifier(log: Logger, env: NodeJS.ProcessEnv = process.env, command = 'systemd-notify'): Notifier | undefined {
  const socket = env.NOTIFY_SOCKET
  if (!socket) return undefined
  // The workers and the app's own children are not the service's main process.
  delete env.NOTIFY_SOCKET
  let chain = Promise.resolve()
  let missing = false
  const send = (fields: Record<string, string | number>) => new Promise<void>((resolve) => {
    if (missing) return resolve()
    const args = Object.entries({ MAINPID: process.pid, ...fields }).map(([k, v]) => `${k}=${v}`)
    const child = spawn(command, args, { env: { ...env, NOTIFY_SOCKET: socket }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => { stderr += d })
    child.on('error', (err: NodeJS.ErrnoException) => {
      missing = err.code === 'ENOENT'
      log.warn(missing ? `NOTIFY_SOCKET is set but ${command} is not installed; systemd will not hear from corral` : `sd_notify failed: ${err.message}`)
      resolve()
    })
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) log.warn({ fields: args, code }, `sd_notify: ${command} exited ${code}: ${stderr.trim()}`)
      else log.debug({ fields: args }, 'sd_notify sent')
      resolve()
    })
  })
  return {
    notify(fields) {
      chain = chain.then(() => send(fields))
      return chain
    },
  }
}
