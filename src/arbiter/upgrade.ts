/**
 * SIGUSR2: replace this master with a new one in place, as Gunicorn's USR2 does, so a new corral
 * or Node version goes live without closing a listening socket. This master starts a new one (the
 * same command line, so whatever is on disk now) and hands it every listening socket through
 * spawn's stdio, from descriptor 3 on (CORRAL_UPGRADE_FDS, systemd/activation.ts). The new master
 * adopts them, boots its workers and says `ready` over the IPC channel it was started with; then
 * this one stops accepting, lets its workers drain and exits. The kernel's accept queue belongs to
 * the socket, not to a process: connections waiting in it are taken by the new master, and none is
 * reset. If the new master fails or is not ready in time, it is stopped and this one serves on.
 *
 * With systemd, the new master sends MAINPID so the service follows it (the unit needs
 * NotifyAccess=all, which sd_notify through systemd-notify needs anyway).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Server } from 'node:net'
import { UpgradeEnv } from '../systemd/activation.js'
import type { Logger } from '../logging/logger.js'
import { descriptorOf } from './listeners.js'

export interface Handover { server: Server; name: string }

/** What the new master says on the IPC channel once it serves. */
export interface UpgradedMessage { type: 'upgraded'; pid: number }

const isUpgraded = (m: unknown): m is UpgradedMessage => typeof m === 'object' && m !== null && (m as UpgradedMessage).type === 'upgraded'

export type UpgradeResult = { ok: true; pid: number } | { ok: false; why: string }

/**
 * Start the new master with these sockets and wait until it is ready (or fails, or `timeoutMs`).
 * `env` is the environment as this master received it (NOTIFY_SOCKET included).
 */
export function startNewMaster(sockets: readonly Handover[], env: NodeJS.ProcessEnv, timeoutMs: number, log: Logger): Promise<UpgradeResult> {
  const fds = sockets.map((s) => descriptorOf(s.server))
  let child: ChildProcess
  try {
    child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      cwd: process.cwd(),
      // 0-2 shared (the new master logs where this one does), the sockets from 3, then the channel.
      stdio: ['inherit', 'inherit', 'inherit', ...fds, 'ipc'],
      env: {
        ...env,
        [UpgradeEnv.fds]: String(fds.length),
        [UpgradeEnv.names]: sockets.map((s) => s.name).join(':'),
        [UpgradeEnv.from]: String(process.pid),
      },
    })
  } catch (err) {
    return Promise.resolve({ ok: false, why: `could not be started: ${(err as Error).message}` })
  }
  log.info({ newMaster: child.pid }, `Upgrade: started a new master (pid ${child.pid}) with ${fds.length} listening sockets`)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      done({ ok: false, why: `was not ready after ${timeoutMs}ms` })
      child.kill('SIGTERM')
    }, timeoutMs)
    const onMessage = (m: unknown) => { if (isUpgraded(m)) done({ ok: true, pid: m.pid }) }
    const onExit = (code: number | null, signal: string | null) => done({ ok: false, why: `exited (${signal ?? `code ${code}`}) before it was ready` })
    const done = (r: UpgradeResult) => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      // From here the new master lives on its own; this one must not hold it (or wait for it) at exit.
      if (child.connected) child.disconnect()
      child.unref()
      resolve(r)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.once('error', (err) => done({ ok: false, why: `could not be started: ${err.message}` }))
  })
}

/** In the new master, once it serves: tell the master that started it. */
export function announceUpgraded(): void {
  if (!process.send) return
  process.send({ type: 'upgraded', pid: process.pid } satisfies UpgradedMessage, () => process.disconnect?.())
}
