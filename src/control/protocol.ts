/**
 * The control socket protocol, between `corral ctl` and a running master.
 *
 * A unix stream socket (--control-socket). The client writes one JSON object and a newline; the
 * master answers with one JSON object and a newline, then closes. Requests:
 *   { "cmd": "workers" }            → { ok, workers: [{ id, pid, generation, state, ageMs, served, inFlight, heartbeatAgeMs, rss, … }] }
 *   { "cmd": "stats" }              → { ok, pid, state, generation, target, workers, served, inFlight }
 *   { "cmd": "reload" }             → { ok, generation }        (answers when the roll has finished)
 *   { "cmd": "scale", "to": N }     → { ok, target }
 *   { "cmd": "kill", "id": N }      → { ok }                    (SIGKILL; the arbiter replaces it)
 * A failure is { ok: false, code, error }.
 */
export type ControlRequest =
  | { cmd: 'workers' }
  | { cmd: 'stats' }
  | { cmd: 'reload' }
  | { cmd: 'scale'; to: number }
  | { cmd: 'kill'; id: number }

export type ControlCommand = ControlRequest['cmd']

export type ControlReply = ({ ok: true } & Record<string, unknown>) | { ok: false; code: string; error: string }

export const controlCommands: readonly ControlCommand[] = ['workers', 'stats', 'reload', 'scale', 'kill']
