/**
 * Listening sockets handed to corral at start: by systemd's socket activation (sd_listen_fds(3):
 * LISTEN_FDS sockets from descriptor 3 on, for the process LISTEN_PID, named by LISTEN_FDNAMES), or
 * by the master a SIGUSR2 upgrade replaces (CORRAL_UPGRADE_FDS, the same layout; the old master
 * cannot know the new one's pid before it runs, so the parent's pid is checked instead).
 *
 * A socket named "admin" serves the admin endpoints and one named "control" the control socket;
 * every other one serves the app. The variables are removed once read, as sd_listen_fds(1) does,
 * so the workers and anything the app spawns do not take the sockets for their own.
 */
export const FIRST_FD = 3

export interface InheritedSocket { fd: number; name: string }

export interface Inheritance {
  /** For logs: "systemd" or "the master before (pid 123)". */
  from: string
  sockets: InheritedSocket[]
  /** Set when the sockets were meant for another process: why they are not used. */
  ignored?: string
}

export const UpgradeEnv = {
  fds: 'CORRAL_UPGRADE_FDS',
  names: 'CORRAL_UPGRADE_FDNAMES',
  from: 'CORRAL_UPGRADE_FROM',
} as const

function sockets(count: number, names: string | undefined): InheritedSocket[] {
  const list = (names ?? '').split(':')
  return Array.from({ length: count }, (_, i) => ({ fd: FIRST_FD + i, name: list[i] || 'unknown' }))
}

export function inheritedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid, ppid = process.ppid): Inheritance | undefined {
  if (env.LISTEN_FDS !== undefined) {
    const count = Number(env.LISTEN_FDS)
    const forPid = env.LISTEN_PID === undefined ? pid : Number(env.LISTEN_PID)
    const names = env.LISTEN_FDNAMES
    delete env.LISTEN_FDS
    delete env.LISTEN_PID
    delete env.LISTEN_FDNAMES
    if (!Number.isInteger(count) || count <= 0) return undefined
    const got: Inheritance = { from: 'systemd', sockets: sockets(count, names) }
    if (forPid !== pid) {
      return { ...got, sockets: [], ignored: `LISTEN_PID is ${forPid}, not this process (${pid}): start corral with exec, not through a shell or npx, for socket activation` }
    }
    return got
  }
  if (env[UpgradeEnv.fds] !== undefined) {
    const count = Number(env[UpgradeEnv.fds])
    const from = Number(env[UpgradeEnv.from])
    const names = env[UpgradeEnv.names]
    delete env[UpgradeEnv.fds]
    delete env[UpgradeEnv.names]
    delete env[UpgradeEnv.from]
    if (!Number.isInteger(count) || count <= 0) return undefined
    const got: Inheritance = { from: `the master before (pid ${from})`, sockets: sockets(count, names) }
    if (from !== ppid) return { ...got, sockets: [], ignored: `the sockets were for a child of pid ${from}, and this process's parent is ${ppid}` }
    return got
  }
  return undefined
}

/** The sockets that serve the app, in order; "admin" and "control" are the master's own. */
export const appSockets = (i: Inheritance | undefined) => i?.sockets.filter((s) => s.name !== 'admin' && s.name !== 'control') ?? []
export const namedSocket = (i: Inheritance | undefined, name: 'admin' | 'control') => i?.sockets.find((s) => s.name === name)
