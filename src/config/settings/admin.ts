import { section } from '../setting.js'
import { bool, nonNegativeInt, optionalBind, optionalPath } from '../parse.js'

export const admin = section('Admin and control', {
  adminBind: {
    parse: optionalBind, default: { kind: 'tcp', host: '127.0.0.1', port: 9000 } as import('../parse.js').BindAddress | null,
    doc: `Where the master serves /healthz, /readyz, /metrics and /status: host:port, unix:/path, or "off".
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
  controlSocket: {
    parse: optionalPath, default: '.corral/control.sock' as string | null,
    doc: `The unix socket \`corral ctl\` talks to, or "off".`,
  },
})
