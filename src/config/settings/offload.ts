import { section } from '../setting.js'
import { duration, durationAtLeast, positiveInt, threadCount } from '../parse.js'
import { OFFLOAD_DEFAULTS } from '../../io/offload/plan.js'

export const offload = section('Blocking work: offload and loop stalls', {
  offloadThreads: {
    parse: threadCount, default: 'auto' as number | 'auto',
    doc: `Threads in each worker's pool for offload() (corral/io). "auto" divides the CPUs this container may use
          (cgroup quota) among the workers, at least 1 each: 2 CPUs and 2 workers give 1 thread per worker. The pool
          starts on the first offload() call; a worker that never offloads has none.`,
  },
  offloadQueue: {
    parse: positiveInt, default: OFFLOAD_DEFAULTS.queue as number,
    doc: `Tasks that may wait for a thread in each worker's offload pool. Past it offload() rejects at once with
          CORRAL_ERR_OFFLOAD_FULL (503 if the handler does not catch it). A task waits about (queue ahead / threads) x
          task time: size it to the wait your clients accept.`,
  },
  offloadAbandonTimeout: {
    parse: duration, default: OFFLOAD_DEFAULTS.abandonMs as number,
    doc: `When a request's signal aborts (deadline, client gone) while its offloaded task runs, the handler gets the
          abort at once and the task is left to finish on its thread. If it still runs this much later, the thread is
          terminated and replaced. 0 replaces it at once (a new thread loads its modules again).`,
  },
  stallThreshold: {
    parse: durationAtLeast(10), default: 50,
    doc: `A worker's event loop that is blocked longer than this is a stall: corral counts it against the route that
          blocked it (corral_event_loop_stalls_total), logs a warning with the route and the blocking stack, and shows
          the last one in /status. 0 turns it off.`,
  },
})
