/**
 * The protocol settings checked together, at the edge: each alone is parsed by the settings table,
 * but some only make sense with others (a key without a certificate, HTTP/2 over TLS without TLS),
 * and the certificate files must be read to be known good. `corral serve`, `corral check` and every
 * reload run this before any worker is spawned, so a bad combination or file is refused once, with
 * the setting's name, rather than by each worker that fails to boot.
 */
import { corralError } from '../errors.js'
import type { TlsSettings } from './tls.js'

export interface ProtocolSettings extends TlsSettings {
  readonly http2: boolean
  readonly h2c: boolean
  readonly headerTimeout: number
}

export async function checkProtocols(s: ProtocolSettings, sources: Record<string, string | undefined> = {}): Promise<void> {
  const from = (name: string) => sources[name] ?? 'the config'
  const needsCert = (name: 'keyfile' | 'caCerts' | 'http2', value: unknown, expected: string) => {
    throw corralError('CORRAL_ERR_SETTING', name, expected, `${JSON.stringify(value)} (from ${from(name)}) without --certfile`)
  }
  if (s.certfile === null) {
    if (s.keyfile !== null) needsCert('keyfile', s.keyfile, 'a key only together with --certfile')
    if (s.caCerts !== null) needsCert('caCerts', s.caCerts, 'client CAs only together with --certfile (mutual TLS runs over TLS)')
    if (s.http2 && !s.h2c) needsCert('http2', true, 'HTTP/2 over TLS only together with --certfile; for cleartext HTTP/2 use --h2c')
    return
  }
  // node:tls is loaded only when TLS is on.
  const { tlsOptions } = await import('./tls.js')
  tlsOptions(s, s.headerTimeout, sources)
}

/** What the listeners speak beyond plain HTTP/1.1, for the startup log; undefined when nothing. */
export function describeProtocols(s: ProtocolSettings & { readonly caCerts: string | null; readonly certReqs: string }): string | undefined {
  const parts: string[] = []
  if (s.certfile !== null) {
    parts.push(`TLS (${s.tlsMinVersion} and up${s.caCerts !== null && s.certReqs !== 'none' ? `, client certificates ${s.certReqs}` : ''})`)
    if (s.http2) parts.push('HTTP/2 and HTTP/1.1 by ALPN')
  }
  if (s.h2c) parts.push('h2c by prior knowledge beside HTTP/1.1')
  return parts.length ? parts.join(', ') : undefined
}
