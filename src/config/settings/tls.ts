import { section } from '../setting.js'
import { Invalid, oneOf, optionalPath, type Parser } from '../parse.js'

/** "1.2", "TLSv1.2" or "tlsv1.2" → Node's "TLSv1.2". Older versions are refused: they are broken. */
const tlsVersion: Parser<'TLSv1.2' | 'TLSv1.3'> = {
  kind: 'value',
  expected: '"TLSv1.2" or "TLSv1.3" (or 1.2, 1.3)',
  parse(raw) {
    const t = String(typeof raw === 'number' ? raw.toFixed(1) : raw ?? '').trim().toLowerCase().replace(/^tlsv?/, '')
    if (t === '1.2') return 'TLSv1.2'
    if (t === '1.3') return 'TLSv1.3'
    throw new Invalid()
  },
  show: (v) => v,
}

/** An OpenSSL cipher list, or "default" for Node's list. Checked against OpenSSL when corral starts. */
const cipherList: Parser<string> = {
  kind: 'value',
  expected: 'an OpenSSL cipher list (e.g. "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256"), or "default"',
  parse(raw) {
    if (raw === null || raw === false) return 'default'
    if (typeof raw !== 'string') throw new Invalid()
    const t = raw.trim()
    return t === '' ? 'default' : t
  },
}

/** A file to read (a certificate, a key), or none: unlike the log settings, "-" is no file here. */
const pemFile: Parser<string | null> = {
  kind: 'value',
  expected: 'a PEM file path, or "off"',
  parse(raw) {
    const path = optionalPath.parse(raw)
    if (path === '-') throw new Invalid()
    return path
  },
}

export const tls = section('TLS', {
  certfile: {
    parse: pemFile, default: null as string | null,
    doc: `A PEM certificate file (the server's certificate, then its chain). With it and --keyfile every listener
          speaks TLS (https). The files are read again at every reload (SIGHUP), so a renewed certificate needs no
          restart. See docs/tls.md.`,
  },
  keyfile: {
    parse: pemFile, default: null as string | null,
    doc: `The PEM private key of --certfile (unencrypted; keep the file readable by corral's user only).`,
  },
  caCerts: {
    parse: pemFile, default: null as string | null, cli: ['--ca-certs'],
    doc: `A PEM file of the certificate authorities whose client certificates are accepted: mutual TLS. See --cert-reqs.`,
  },
  certReqs: {
    parse: oneOf(['required', 'optional', 'none'] as const), default: 'required' as const,
    doc: `With --ca-certs, whether clients must present a certificate: required refuses a client without a valid one
          during the handshake; optional asks for one and lets the app decide (ctx.clientCertificate); none does not
          ask.`,
  },
  tlsMinVersion: {
    parse: tlsVersion, default: 'TLSv1.2' as 'TLSv1.2' | 'TLSv1.3',
    doc: `The oldest TLS version a client may use: TLSv1.2 or TLSv1.3.`,
  },
  ciphers: {
    parse: cipherList, default: 'default',
    doc: `The cipher suites to offer, as an OpenSSL cipher list (TLS 1.3 suites by their TLS_ names); "default" is
          Node's list. A list OpenSSL matches nothing in stops corral at startup.`,
  },
})
