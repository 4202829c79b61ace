/**
 * ctx.clientCertificate: what a client presented over mutual TLS (--ca-certs), read from the
 * request's TLS socket when the app asks. Types only from node:tls, so a worker without TLS never
 * loads it.
 */
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { ClientCertificate } from '../app/types.js'

/** The client's certificate on this request's connection (HTTP/1.1 or HTTP/2), if it sent one. */
export function clientCertificateOf(req: IncomingMessage): ClientCertificate | undefined {
  const socket = req.socket as TLSSocket | undefined
  if (!socket?.encrypted || typeof socket.getPeerCertificate !== 'function') return undefined
  const c = socket.getPeerCertificate()
  if (!c || Object.keys(c).length === 0) return undefined
  const error = socket.authorizationError
  return {
    authorized: socket.authorized === true,
    ...(error ? { authorizationError: String((error as Error).message ?? error) } : {}),
    subject: { ...c.subject },
    issuer: { ...c.issuer },
    serialNumber: c.serialNumber,
    fingerprint256: c.fingerprint256,
    validFrom: c.valid_from,
    validTo: c.valid_to,
  }
}
