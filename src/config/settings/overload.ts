import { section } from '../setting.js'
import { bool, duration, nonNegativeInt, numberAtLeast, pathList, positiveInt } from '../parse.js'

export const overload = section('Overload control', {
  overloadControl: {
    // Off by default until it is measured: in CI it shed an I/O-bound route (3 s handlers, 40 at
    // once) because slow I/O reads as overload to a latency gradient. docs/overload.md says more.
    parse: bool, default: false,
    doc: `Adaptive concurrency limit for the async and threads worker classes (off by default for now: it can shed
          healthy requests that are slow because they wait on I/O, see docs/overload.md): each worker measures how long its requests
          take against a no-load baseline it measured, and moves its limit within [--overload-min-limit,
          --worker-connections] so that requests run near that baseline (docs/overload.md). Past the limit requests wait
          in a short queue, then get a fast 503 with Retry-After without running app code. Off (the default) gives the
          static cap: --worker-connections at once, an immediate 503 past it. The sync worker class always runs one
          request at a time.`,
  },
  overloadMinLimit: {
    parse: positiveInt, default: 4,
    doc: `The lowest the adaptive limit goes, per worker. Keep it above the concurrency one request needs to make
          progress (a handler that waits for another request of the same worker needs 2).`,
  },
  overloadTolerance: {
    parse: numberAtLeast(1), default: 1.5,
    doc: `How much slower than the measured no-load baseline requests may run before the limit comes down: 1.5 lets the
          median request take 1.5 x the baseline. Higher admits more at once (more throughput for I/O-bound apps, longer
          waits when the CPU is the limit).`,
  },
  overloadQueue: {
    parse: nonNegativeInt, default: 64,
    doc: `Requests that may wait for a slot in each worker once the limit is reached. Past it, and for a request whose
          wait the worker predicts (queue ahead / recent completions per second) beyond --overload-queue-timeout, a 503
          comes at once. 0 sheds at once past the limit.`,
  },
  overloadQueueTimeout: {
    parse: duration, default: 100,
    doc: `The longest a request waits in the overload queue. One that waited this long, or whose client has gone, is never
          started: it gets 503 with Retry-After (or nothing, when the client is gone).`,
  },
  overloadPriorityRoutes: {
    parse: pathList, default: ['/healthz', '/readyz', '/livez'] as string[],
    doc: `URL paths (each with everything under it) that the adaptive limit never sheds: they are admitted up to
          --worker-connections and, past that, wait at the head of the queue. Name health checks and the routes that
          make money (a checkout). The admin port is served by the master and is never shed.`,
  },
})
