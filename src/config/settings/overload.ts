import { section } from '../setting.js'
import { bool, duration, nonNegativeInt, numberAtLeast, pathList, positiveInt, ratio } from '../parse.js'

export const overload = section('Overload control', {
  overloadControl: {
    parse: bool, default: true,
    doc: `Adaptive concurrency limit for the async worker class: each worker measures how long its requests take against
          a no-load baseline it measured and, while its event loop is saturated (--overload-loop-utilization), moves its
          limit within [--overload-min-limit, --worker-connections] so that requests run near that baseline; while the
          loop has room, slow requests are waiting on I/O and the limit only grows (docs/overload.md). Past the limit
          requests wait in a short queue, then get a fast 503 with Retry-After without running app code. Off gives the
          static cap: --worker-connections at once, an immediate 503 past it. The threads class keeps the static cap
          (its CPU is spent in pool threads); the sync class always runs one request at a time.`,
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
  overloadLoopUtilization: {
    // Latency alone cannot tell a slow upstream from a full CPU: the first version shed 40 healthy
    // requests that each waited 3 s on I/O. An idle loop says the slowness is elsewhere.
    parse: ratio, default: 0.9,
    doc: `The event-loop utilisation (share of the last 100 ms the worker's loop was busy, from perf_hooks) at which
          a worker counts as saturated. Only then does rising latency bring the adaptive limit down; below it, slow
          requests are waiting on I/O and the limit may grow to --worker-connections. Lower sheds earlier for CPU-bound
          apps; 0 makes every window count as saturated (latency alone moves the limit).`,
  },
  overloadCpuWait: {
    // The 2-CPU VM at 10,000 connections: loops read 0.85 while their threads waited for a CPU as long
    // as they ran, and the limit grew to 830-1,650 a worker (docs/overload.md, "A thread that waits for a CPU").
    parse: bool, default: true,
    doc: `Count the time the worker's main thread waits for a CPU (Linux schedstat) as busy when judging saturation:
          the worker is saturated when its thread is on a CPU or waiting for one (not asleep) for
          --overload-loop-utilization of the time, even if the loop's own utilisation reads lower. On a host whose CPUs
          are all taken, more requests at once only wait longer for one. Off: the loop's utilisation alone.`,
  },
  overloadDownstreamQueued: {
    // The shop waited on one embedded database and its upstreams' limits with an idle loop: the
    // limit grew while requests queued in the pool until their budgets passed (issue 12).
    parse: ratio, default: 0.5,
    doc: `Downstream pressure at which a worker counts as saturated however idle its event loop: the share of the time its
          requests spend on databases and upstreams (corral/io) that they spend queued in the worker's own queues (waiting
          for a pooled database connection, for a slot of an upstream's concurrency limit or a connection of its pool)
          rather than in service. Past it, rising latency brings the adaptive limit down and the queue's wait prediction
          sheds, as with a full loop: more requests at once would only wait longer there. A slow upstream with free
          connections is in service, not queued. 1 turns it off (the loop alone decides).`,
  },
  overloadQueue: {
    parse: nonNegativeInt, default: 64,
    doc: `Requests that may wait for a slot in each worker once the limit is reached. Past it, and for a request whose
          wait the worker predicts (queue ahead / recent completions per second) beyond --overload-queue-timeout, a 503
          comes at once. 0 sheds at once past the limit.`,
  },
  overloadQueueTimeout: {
    // Issue 12's bar: whatever is not admitted gets its 503 within 10 ms of arrival. At 100 ms the
    // shop's shed 503s had a p99 of 150 ms (they sat out the deadline); docs/overload.md has the figures.
    parse: duration, default: 5,
    doc: `The longest a request waits in the overload queue. One that waited this long, or whose client has gone, is never
          started: it gets 503 with Retry-After (or nothing, when the client is gone). A request whose predicted wait is
          longer gets its 503 at once. Short by design: a worker at its limit frees a slot every few milliseconds, so
          the queue only smooths jitter, and a request it cannot serve soon learns so while its client can still retry
          elsewhere.`,
  },
  overloadPriorityRoutes: {
    parse: pathList, default: ['/healthz', '/readyz', '/livez'] as string[],
    doc: `URL paths (each with everything under it) that the adaptive limit never sheds: they are admitted up to
          --worker-connections and, past that, wait at the head of the queue. Name health checks and the routes that
          make money (a checkout). The admin port is served by the master and is never shed.`,
  },
})
