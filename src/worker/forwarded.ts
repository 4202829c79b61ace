/**
 * X-Forwarded-For / -Proto are believed only from the peers in --forwarded-allow-ips. From anyone
 * else they are removed before the app sees them, so an app that trusts them (Express's
 * `trust proxy`) cannot be fooled by a client that sets them itself.
 */
import type { IncomingMessage } from 'node:http'

/** The headers only a trusted proxy may set (lowercase). */
export const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'forwarded']

export interface Origin { clientIp: string; protocol: string; requestId: string | undefined; trusted: boolean }

const bare = (ip: string | undefined) => (ip?.startsWith('::ffff:') ? ip.slice(7) : ip ?? '')

export function forwardedTrust(allow: readonly string[]): (ip: string) => boolean {
  if (allow.includes('*')) return () => true
  const set = new Set(allow.map(bare))
  return (ip) => set.has(bare(ip))
}

export const peerOf = (req: IncomingMessage) => bare(req.socket.remoteAddress)
export const protocolOf = (req: IncomingMessage) => ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http')

/** For a request that carries forwarding headers (limits.ts's scan says so): believe them or strip them. */
export function origin(req: IncomingMessage, trusted: (ip: string) => boolean): Origin {
  const peer = peerOf(req)
  const h = req.headers
  const proto = protocolOf(req)
  if (trusted(peer)) {
    // The client is the rightmost hop that is not itself a trusted proxy.
    const hops = String(h['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    let client = peer
    for (let i = hops.length - 1; i >= 0; i--) {
      client = hops[i]
      if (!trusted(client)) break
    }
    const fwdProto = String(h['x-forwarded-proto'] ?? '').split(',')[0].trim().toLowerCase()
    const id = h['x-request-id']
    return { clientIp: client, protocol: fwdProto === 'https' || fwdProto === 'http' ? fwdProto : proto, requestId: typeof id === 'string' && id.length <= 200 ? id : undefined, trusted: true }
  }
  for (const name of FORWARDED) delete h[name]
  const raw = req.rawHeaders
  for (let i = raw.length - 2; i >= 0; i -= 2) if (FORWARDED.includes(raw[i].toLowerCase())) raw.splice(i, 2)
  return { clientIp: peer, protocol: proto, requestId: undefined, trusted: false }
}
