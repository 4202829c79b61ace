/**
 * The master's signals, as a table (Gunicorn's set). Signals that arrive while a stop is under
 * way are ignored, except a second SIGINT/SIGQUIT, which escalates a graceful stop to a fast one.
 */
export type ArbiterSignal = 'SIGTERM' | 'SIGINT' | 'SIGQUIT' | 'SIGHUP' | 'SIGTTIN' | 'SIGTTOU' | 'SIGUSR1' | 'SIGUSR2'

export interface SignalTarget {
  stop(mode: 'graceful' | 'now'): void
  reload(): void
  scaleBy(delta: number): void
  reopenLogs(): void
  /** Replace this master with a new one on the same listening sockets (arbiter/upgrade.ts). */
  upgrade(): void
}

export const onSignal: Record<ArbiterSignal, (t: SignalTarget) => void> = {
  SIGTERM: (t) => t.stop('graceful'),
  SIGINT: (t) => t.stop('now'),
  SIGQUIT: (t) => t.stop('now'),
  SIGHUP: (t) => t.reload(),
  SIGTTIN: (t) => t.scaleBy(+1),
  SIGTTOU: (t) => t.scaleBy(-1),
  SIGUSR1: (t) => t.reopenLogs(),
  SIGUSR2: (t) => t.upgrade(),
}

export function installSignals(target: SignalTarget): () => void {
  const handlers = Object.entries(onSignal).map(([signal, act]) => {
    const handler = () => act(target)
    process.on(signal, handler)
    return [signal, handler] as const
  })
  return () => { for (const [signal, handler] of handlers) process.off(signal, handler) }
}
