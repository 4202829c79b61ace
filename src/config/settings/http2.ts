import { section } from '../setting.js'
import { bool, bytes, positiveInt } from '../parse.js'

export const http2 = section('HTTP/2', {
  http2: {
    parse: bool, default: false,
    doc: `Serve HTTP/2 on TLS listeners: it is offered through ALPN, and clients without it get HTTP/1.1 on the same
          port. Needs --certfile; for cleartext HTTP/2 see --h2c. See docs/http2.md.`,
  },
  h2c: {
    parse: bool, default: false,
    doc: `Accept cleartext HTTP/2 by prior knowledge on plain listeners: a connection that opens with the HTTP/2
          preface is served as HTTP/2, any other as HTTP/1.1. For proxies and clients that speak h2c to their upstreams.`,
  },
  http2MaxConcurrentStreams: {
    parse: positiveInt, default: 100,
    doc: `The most requests (streams) one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS);
          each also counts against --worker-connections.`,
  },
  http2MaxHeaderListSize: {
    parse: bytes, default: 64 * 1024,
    doc: `The largest header list an HTTP/2 request may carry, uncompressed (SETTINGS_MAX_HEADER_LIST_SIZE); a larger
          one is refused. The HTTP/1.1 limits on field count and size apply too.`,
  },
})
