import { section } from '../setting.js'
import { megabytesOrAuto, oneOf, positiveInt, threadCount, workerCount } from '../parse.js'

export const workers = section('Worker processes', {
  workers: {
    parse: workerCount, default: 'auto' as number | 'auto', cli: ['-w', '--workers'],
    env: ['CORRAL_WORKERS', 'WEB_CONCURRENCY'],
    doc: `How many worker processes to run. "auto" counts the CPUs this container may use (cgroup quota), not the
          host's, and fits the worker class: async and threads get one per CPU, sync gets 2 x CPUs + 1.
          WEB_CONCURRENCY is honoured, as Gunicorn does.`,
  },
  workerClass: {
    parse: oneOf(['async', 'sync', 'threads'] as const), default: 'async' as const, cli: ['-k', '--worker-class'],
    doc: `The worker model. async: many requests at once per worker, up to --worker-connections. sync: one request at
          a time per worker; the rest wait (Gunicorn's sync worker). threads: --threads worker threads per process run
          the handler, for CPU-heavy fetch handlers (Gunicorn's gthread).`,
  },
  workerConnections: {
    parse: positiveInt, default: 1000,
    doc: `The most requests one async worker handles at once: the ceiling of the adaptive limit (on by default for the async class),
          and with --no-overload-control the static cap, past which requests get an immediate 503 with Retry-After.
          Open WebSockets count against it.`,
  },
  workerSemiSpace: {
    parse: megabytesOrAuto, default: 'auto' as number | 'auto',
    doc: `How far each worker's young generation may grow, per semi-space (Node's --max-semi-space-size), in MB. A
          request's short-lived objects (its JSON, promises, the upstream client's buffers) are collected there. "auto"
          is 32 on Node 20 and 22, whose V8 stops it at 16, and Node's own on Node 24 and later, which size it from the
          memory available: at 32 the fan-out at 1,000 connections cost 13% less CPU per request on Node 20, and each
          worker boots about 25 ms later there (any V8 flag makes Node 20 and 22 compile their own modules afresh;
          bench/README.md). 0 leaves Node's own; a --max-semi-space-size in NODE_OPTIONS or among the master's Node
          flags wins.`,
  },
  threads: {
    parse: threadCount, default: 'auto' as number | 'auto',
    doc: `Worker threads per process for the threads worker class. "auto" is 2: enough that one CPU-heavy request never blocks the process's others, while --workers auto already gives one process per CPU.`,
  },
})
