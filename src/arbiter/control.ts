/** What the master answers on its control socket (the protocol is control/protocol.ts). */
import type { ControlHandlers } from '../control/server.js'
import { status } from './admin.js'
import type { Arbiter } from './arbiter.js'

export function controlHandlers(arbiter: Arbiter, reloadNow: () => Promise<boolean>): ControlHandlers {
  return {
    workers: () => ({ ok: true, workers: arbiter.workers().map((w) => w.view()) }),
    stats: () => {
      const st = status(arbiter)
      return { ok: true, ...st, served: st.workers.reduce((n, w) => n + w.served, 0), inFlight: st.workers.reduce((n, w) => n + w.inFlight, 0) }
    },
    reload: async () => {
      const ok = await reloadNow()
      return ok ? { ok: true, generation: arbiter.generation } : { ok: false, code: 'CORRAL_ERR_RELOAD', error: 'the reload stopped; the old workers keep serving (see the log)' }
    },
    scale: ({ to }) => { arbiter.scale(to); return { ok: true, target: arbiter.target } },
    kill: ({ id }) => {
      const w = arbiter.workers().find((x) => x.id === id)
      if (!w) return { ok: false, code: 'CORRAL_ERR_CONTROL', error: `no worker ${id}; workers: ${arbiter.workers().map((x) => x.id).join(', ')}` }
      arbiter.log.info({ worker: id }, `Killing worker ${id} (pid: ${w.pid}) on request from the control socket`)
      arbiter.kill(w, 'killed')
      return { ok: true }
    },
  }
}
