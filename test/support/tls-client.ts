/** A one-shot HTTPS request with its own TLS options and no connection reuse, reporting what TLS negotiated. */
import { request } from 'node:https'
import { readFileSync } from 'node:fs'
import type { TLSSocket } from 'node:tls'

export interface TlsGet {
  status: number
  body: string
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint: string
  version: string | null
  cipher: string
  alpn: string | false | null
}

export interface TlsGetOptions {
  ca: string
  cert?: string
  key?: string
  minVersion?: 'TLSv1.2' | 'TLSv1.3'
  maxVersion?: 'TLSv1.2' | 'TLSv1.3'
  method?: string
  body?: string
}

export function tlsGet(url: string, o: TlsGetOptions): Promise<TlsGet> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: o.method ?? 'GET',
      agent: false,
      ca: readFileSync(o.ca),
      ...(o.cert ? { cert: readFileSync(o.cert), key: readFileSync(o.key!) } : {}),
      ...(o.minVersion ? { minVersion: o.minVersion } : {}),
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
    }, (res) => {
      const socket = res.socket as TLSSocket
      const seen = { fingerprint: socket.getPeerCertificate().fingerprint256, version: socket.getProtocol(), cipher: socket.getCipher().name, alpn: socket.alpnProtocol }
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode!, body, ...seen }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(o.body)
  })
}
