import { section } from '../setting.js'
import { bytes, duration, ipList, nonNegativeInt } from '../parse.js'

export const http = section('HTTP', {
  keepalive: {
    parse: duration, default: 5000,
    doc: `Seconds an idle keep-alive connection stays open (told to clients in the Keep-Alive header); it is closed
          within a quarter of that, at most a second, after it runs out. 0 closes each connection after its response.`,
  },
  limitRequestLine: {
    parse: nonNegativeInt, default: 4094,
    doc: `The longest request line (method, target, version) in bytes; longer gets 414. Gunicorn's default.`,
  },
  limitRequestFields: {
    parse: nonNegativeInt, default: 100,
    doc: `The most header fields in a request; more gets 431. Gunicorn's default.`,
  },
  limitRequestFieldSize: {
    parse: nonNegativeInt, default: 8190,
    doc: `The largest header field (name, colon, value) in bytes; larger gets 431. Gunicorn's default.`,
  },
  headerTimeout: {
    parse: duration, default: 10_000,
    doc: `How long a client may take to send the request line and headers before the connection is closed with 408
          (guards against slowloris). Checked every second.`,
  },
  bodyTimeout: {
    parse: duration, default: 30_000,
    doc: `How long a client may take to send a request body, counted from the end of its headers and extended by a
          second for every --body-min-rate bytes it sends; past it the client gets 408 and the connection closes
          (guards against slow uploads held open on purpose). Time in which the app is not reading the body does not
          count. Checked every second at most. 0 turns it off.`,
  },
  bodyMinRate: {
    parse: bytes, default: 500,
    doc: `Bytes per second of request body that earn another second of --body-timeout, so a large upload on a fair
          link goes on while a trickle is cut (Apache mod_reqtimeout's MinRate). 0: --body-timeout bounds the whole body.`,
  },
  sendTimeout: {
    parse: duration, default: 60_000,
    doc: `How long the worker keeps a response waiting on a client that takes none of it: a connection whose queued
          response bytes have not shrunk for this long is closed (a client that stopped reading, or reads too slowly
          for the kernel to send). Checked every second at most. 0 turns it off.`,
  },
  maxBodySize: {
    parse: bytes, default: 1024 * 1024,
    doc: `The largest request body; larger gets 413 and the connection is closed. 0 means no limit.`,
  },
  forwardedAllowIps: {
    parse: ipList, default: ['127.0.0.1', '::1'], env: ['CORRAL_FORWARDED_ALLOW_IPS', 'FORWARDED_ALLOW_IPS'],
    doc: `Peers trusted to set X-Forwarded-For and X-Forwarded-Proto. From anyone else those headers are removed
          before the app sees them. "*" trusts everyone (only behind a proxy that always sets them).`,
  },
})
