import { section } from '../setting.js'
import { addressList, bool } from '../parse.js'

export const proxy = section('Behind a load balancer', {
  proxyProtocol: {
    parse: bool, default: false,
    doc: `Read HAProxy's PROXY protocol header (v1 or v2) at the start of each connection from --proxy-allow-from
          peers, so the client's address reaches ctx.clientIp, the access log and X-Forwarded-For trust. Connections
          from those peers must carry the header; from anyone else the header is not read.`,
  },
  proxyAllowFrom: {
    parse: addressList, default: ['127.0.0.1', '::1'],
    doc: `The balancers allowed to send a PROXY protocol header: addresses or CIDR ranges (10.0.0.0/8), or "*".`,
  },
})
