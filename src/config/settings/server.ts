import { section } from '../setting.js'
import { bindList, bool, oneOf, optionalPath, port, positiveInt, text } from '../parse.js'

export const server = section('Server socket', {
  app: {
    parse: text, default: '', positional: true, cli: [],
    doc: `The app module to serve: a path such as app.ts, optionally with the export to use after a colon
          (app.ts:api, like Gunicorn's module:app). Without a name corral takes the default export, then one named app.`,
  },
  config: {
    parse: optionalPath, default: null as string | null, cli: ['-c', '--config'],
    doc: `The config file. By default corral reads ./corral.config.ts (or .js/.mjs) when it exists.`,
  },
  compileTypescript: {
    parse: bool, default: true,
    doc: `On a Node without native type stripping (20, and 22 before 22.18), the master compiles the app's own TypeScript
          to JavaScript once (esbuild, file by file, cached in node_modules/.cache/corral) and workers import that, with
          no loader thread: on Node 20 the hello example (2 workers) went from spawn to its first answer in 1.13x plain
          node:cluster's time instead of 1.78x, with 8.5 MB more per worker instead of 29.6 MB. Workers check every
          source's hash first, so a changed file is never served
          stale. false imports the .ts files through tsx in every worker, as an app that imports paths computed at
          run time needs. Nothing changes on a Node that strips types, nor under --reload.`,
  },
  bind: {
    parse: bindList, default: [], repeatable: true, cli: ['-b', '--bind'],
    doc: `Where to listen: host:port, [ipv6]:port or unix:/path. Repeat to listen on several.
          When not given, corral listens on HOST:PORT.`,
  },
  host: {
    parse: text, default: '127.0.0.1', env: ['CORRAL_HOST', 'HOST'],
    doc: `The host to listen on when --bind is not given (the HOST env var is honoured, as platforms set it).`,
  },
  port: {
    parse: port, default: 8000, env: ['CORRAL_PORT', 'PORT'], cli: ['-p', '--port'],
    doc: `The port to listen on when --bind is not given (the PORT env var is honoured, as platforms set it).`,
  },
  backlog: {
    parse: positiveInt, default: 2048,
    doc: `The most connections the kernel queues before accept (the listen backlog). Capped by net.core.somaxconn.`,
  },
  listenAfterBoot: {
    parse: bool, default: false,
    doc: `Bind the listening sockets only once the first workers are ready (--balance round-robin; sockets from systemd
          or an upgrade already listen). Until then the host refuses connections, so a load balancer in front sends
          them to another host instead of leaving them queued here for the whole boot. Off, connections that arrive
          during a start wait in the listen queue: better for a host that serves alone. See docs/deploy.md.`,
  },
  balance: {
    parse: oneOf(['auto', 'reuseport', 'round-robin', 'shared'] as const), default: 'auto' as const,
    doc: `How connections reach workers. reuseport: each worker binds its own SO_REUSEPORT socket and the kernel
          spreads connections (Node >= 22.12 on Linux). round-robin: the master accepts and hands each connection
          to the next worker. shared: workers accept from one shared socket. auto is round-robin: the master keeps the
          listening sockets for its whole life, so a reload or an upgrade (SIGUSR2) drops nothing (see docs/balance.md).`,
  },
  burstIntake: {
    parse: bool, default: true,
    doc: `With --balance round-robin: once 16 new connections wait in the master for a worker, the master stops
          accepting and the workers accept from its listening sockets themselves, 8 connections a turn each, until the
          master's line is empty (2 s at the soonest). The master hands a worker one connection per turn of the worker's
          event loop, so a burst of thousands of new connections (a reconnect storm, a load test) otherwise waits for
          seconds in its line (docs/balance.md, "Bursts of new connections"). TCP sockets only, and only for the async
          worker class with the overload control on: a stampede handed straight to workers that cannot refuse what they
          cannot serve (--no-overload-control) collapsed where the slow hand-off had spread it out; there bursts are
          off, and the master says why when --burst-intake was set explicitly. --no-burst-intake: every connection is
          handed over.`,
  },
})
