/**
 * When the shop's master starts the simulator it passes its pid in SIM_PARENT_PID. If that
 * master dies without its onExit hook running (SIGKILL, a crash), nobody would stop the simulator:
 * each simulator worker checks on the shop's master and, once it is gone, asks its own master to
 * stop (SIGTERM), so no orphaned simulator keeps a port.
 */
export function watchParent(env: NodeJS.ProcessEnv = process.env): void {
  const pid = Number(env.SIM_PARENT_PID)
  if (!Number.isInteger(pid) || pid <= 0) return
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0)
    } catch {
      clearInterval(timer)
      try { process.kill(process.ppid, 'SIGTERM') } catch { /* already stopping */ }
    }
  }, 1000)
  timer.unref()
}
