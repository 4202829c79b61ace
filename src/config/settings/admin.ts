import { section } from '../setting.js'
import { bool, nonNegativeInt, optionalBind, optionalPath } from '../parse.js'

export const admin = section('Admin and control', {
  adminBind: {
    parse: optionalBind, default: { kind: 'tcp', host: '127.0.0.1', port: 9000 } as import('../parse.js').BindAddress | null,
    doc: `Where the master serves /healthz, /readyz, /metrics, /status and the dashboard: host:port, unix:/path, or "off".
          Never the public port.`,
  },
  metrics: {
    parse: bool, default: true,
    doc: `Collect Prometheus metrics in the workers and serve them, aggregated, on the admin port's /metrics.`,
  },
  minReady: {
    parse: nonNegativeInt, default: 1,
    doc: `/readyz answers 200 when at least this many workers are ready and not draining.`,
  },
  dashboard: {
    parse: bool, default: true,
    doc: `Serve the live dashboard at / on the admin port (docs/dashboard.md), and the data \`corral top\` reads.
          It costs nothing measurable while nobody watches: the master records a few numbers from the
          heartbeats every 5s, and collects the workers' metrics once a second only while a page or
          \`corral top\` is open.`,
  },
  dashboardActions: {
    parse: bool, default: false,
    doc: `Let the dashboard and \`corral top\` reload the workers and change their count. Off by default:
          the admin port has no authentication, so anyone who can reach it could use them.`,
  },
  controlSocket: {
    parse: optionalPath, default: '.corral/control.sock' as string | null,
    doc: `The unix socket \`corral ctl\` talks to, or "off".`,
  },
})
