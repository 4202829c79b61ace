import { section } from '../setting.js'
import { bool, duration, pathPatterns } from '../parse.js'

export const timeouts = section('Timeouts', {
  requestTimeout: {
    parse: duration, default: 0,
    doc: `A deadline for each request. When it passes the client gets 504 and the handler's ctx.signal aborts, so the
          I/O it started stops; the worker serves on. 0 (the default) means no deadline: a server cannot know how long
          your slowest legitimate endpoint runs (uploads, reports, streams). Set it to your p99.9 plus margin.`,
  },
  streamRoutes: {
    parse: pathPatterns, default: [], repeatable: true, cli: ['--stream-route'],
    doc: `Paths whose responses are streams (server-sent events, long polls, streamed downloads): --request-timeout does
          not apply to them, and a draining worker waits for them up to --graceful-timeout, then ends them cleanly.
          An exact path or a prefix ending in * (/events, /feeds/*). A response can also say so itself: see
          docs/streaming.md (text/event-stream responses and ctx.streaming()).`,
  },
  workerTimeout: {
    parse: duration, default: 30_000, cli: ['-t', '--worker-timeout'],
    doc: `A worker whose event loop sends no heartbeat for this long is blocked: corral logs what it was doing, kills it
          and starts another. This is not a request deadline (see --request-timeout). 0 turns it off.`,
  },
  workerStacks: {
    parse: bool, default: true,
    doc: `With --worker-timeout, run a watchdog thread in each worker that takes the JavaScript stack of a blocked event
          loop for the WORKER TIMEOUT log. It costs about 9 MB of memory per worker (the floor of a Node thread) and
          nothing per request. Off, a stuck worker is still killed and replaced, and the log names its requests in
          flight, without the stack.`,
  },
  gracefulTimeout: {
    parse: duration, default: 30_000,
    doc: `On a graceful stop, how long workers may take to finish the requests they have before they are killed.`,
  },
  bootTimeout: {
    parse: duration, default: 30_000,
    doc: `How long a new worker may take to load the app and become ready. At startup a worker that takes longer stops
          corral; during a reload it stops the roll and the old workers keep serving.`,
  },
})
