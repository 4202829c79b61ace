/**
 * The scenarios, as data: adding one is adding an entry here (and, for the anchors, a handler of
 * the same name in bench/anchors). Each names corral's app module, the path to load, what bounds
 * it (for the Little's-law ceiling of I/O-bound ones) and its load points in each suite.
 */
import type { Suite } from '../options.js'

export interface LoadPoints {
  /** Closed loop: connection counts (each keeps one request in flight). */
  closed?: readonly number[]
  /** Open loop: arrival rates in requests per second. */
  open?: readonly number[]
}

export interface Scenario {
  name: string
  about: string
  /** corral's app module (a Web-standard fetch handler), relative to the repository root. */
  app: string
  /** Request path every server is loaded on. */
  path: string
  /** A path (relative to the repository root) that must exist, or the scenario is skipped with a note. */
  needs?: string
  /** Whether the scenario calls the upstream simulator (started once for the whole run). */
  upstream?: boolean
  /** Whether it needs the shop's services simulator and its database (started once for the whole run). */
  shop?: boolean
  /** Extra `corral serve` arguments (the shop's config file). */
  corralArgs?: readonly string[]
  /**
   * Ask for `path` with "{id}" replaced by a random id from 1 to `ids` (and a random user id in
   * `userHeader`) on each request, instead of one fixed URL: a cache then sees many keys, as in use.
   */
  vary?: { path: string; ids: number; userHeader?: string; users?: number }
  /** The ideal critical path of one request, in ms, for I/O-bound scenarios: ceiling = connections / it. */
  criticalPathMs?: (o: { delayMs: number }) => number
  /**
   * A light route loaded at the same time as `path`, open loop at `rate` requests per second: its
   * p99 shows whether the heavy route starves requests that need no work.
   */
  light?: { path: string; rate: number }
  /** The servers that take part (default: every server that implements the scenario). */
  servers?: readonly string[]
  /** Another app module for some servers, by server name (the threads class runs handlers on threads itself). */
  apps?: Readonly<Record<string, string>>
  points: Record<Suite, LoadPoints>
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'hello',
    about: 'plaintext hello world: the server\'s own cost per request',
    app: 'bench/scenarios/hello.ts',
    path: '/',
    points: { quick: { closed: [50] }, default: { closed: [10, 100] }, full: { closed: [10, 100, 1000], open: [2000] } },
  },
  {
    name: 'json',
    about: 'serialize a small object per request',
    app: 'bench/scenarios/json.ts',
    path: '/',
    // Not in the default suite: on a small machine it tells little that hello does not, and the
    // default suite must stay under 10 minutes with all nine servers present.
    points: { quick: {}, default: {}, full: { closed: [10, 100, 1000] } },
  },
  {
    name: 'fanout',
    about: 'seed 000: three concurrent upstream calls of `--delay` ms each',
    app: 'bench/scenarios/fanout.ts',
    path: '/',
    upstream: true,
    criticalPathMs: ({ delayMs }) => delayMs,
    points: {
      quick: { closed: [100] },
      default: { closed: [100, 1000], open: [200] },
      full: { closed: [10, 100, 1000], open: [100, 300, 1000] },
    },
  },
  {
    name: 'fanout-io',
    about: 'the fanout scenario written with corral/io as docs/io/fanout.md teaches: upstream(), gather with budgets and fallbacks, Response.json',
    app: 'bench/scenarios/fanout-io.ts',
    path: '/',
    upstream: true,
    criticalPathMs: ({ delayMs }) => delayMs,
    points: {
      quick: {},
      default: { closed: [100, 1000] },
      full: { closed: [10, 100, 1000], open: [100, 300, 1000] },
    },
  },
  {
    name: 'cpu',
    about: 'about 20 ms of PBKDF2 per request: the worker model decides',
    app: 'bench/scenarios/cpu.ts',
    path: '/',
    points: { quick: {}, default: { closed: [20] }, full: { closed: [4, 20, 100] } },
  },
  {
    name: 'cpu-offload',
    about: 'an async handler offloads the PBKDF2 of `cpu` to a thread pool while /hello is served at 50 rps beside it',
    app: 'bench/scenarios/cpu-offload.ts',
    apps: { 'corral-threads': 'bench/scenarios/cpu-mixed.ts' },
    path: '/',
    light: { path: '/hello', rate: 50 },
    servers: ['gunicorn-sync', 'gunicorn-gthread', 'node-cluster', 'corral-threads', 'corral-async'],
    points: { quick: {}, default: { closed: [8] }, full: { closed: [4, 16] } },
  },
  {
    // The shop brings its own simulated services (started once for the run, with its database);
    // its slowest call is 200 ms (seed 000). Pages of 1,000 products for 1,000 signed-in users,
    // so all five calls run and the caches see many keys. The Node anchors serve the same page
    // written by hand (anchors/node/product.cjs).
    name: 'product',
    about: 'the shop\'s product page (examples/shop): five concurrent lookups, the slowest 200 ms; random product and user',
    app: 'examples/shop/app.ts',
    path: '/api/products/1',
    needs: 'examples/shop',
    shop: true,
    corralArgs: ['--config', 'examples/shop/corral.config.ts'],
    vary: { path: '/api/products/{id}', ids: 1000, userHeader: 'x-user-id', users: 1000 },
    criticalPathMs: () => 200,
    points: { quick: {}, default: { closed: [100] }, full: { closed: [100, 1000] } },
  },
]
