/**
 * HAProxy's PROXY protocol (v1 text, v2 binary), as HAProxy and the cloud TCP load balancers send
 * it: the first bytes of a connection name the client the balancer accepted. corral reads it only
 * from --proxy-allow-from peers, and from them requires it (the spec forbids guessing); from anyone
 * else the bytes are HTTP like any other, so a client cannot name itself.
 *
 * proxy-protocol-js parses a header once it is whole; finding where the header ends in a stream,
 * the v1 UNKNOWN form and checking the addresses are corral's (the library takes "999.1.1.1").
 */
import { BlockList, isIP, type Socket } from 'node:net'
import { Command, IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js'

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex')
const V1_SIGNATURE = Buffer.from('PROXY ')
/** The spec's bound on a v1 line, CRLF included. */
const V1_MAX = 107
/** A v2 header carries addresses plus optional TLVs; past this it is not a balancer talking. */
const V2_MAX = 16 + 2048

export interface ProxiedPeer { address: string; port: number; family: 'IPv4' | 'IPv6' }

export class ProxyHeaderError extends Error {}

/**
 * How long the header at the start of `buf` is: a byte count once `buf` holds enough to say, 0 while
 * more bytes are needed. Throws when the bytes cannot be a PROXY header.
 */
export function headerLength(buf: Buffer): number {
  const v2 = buf[0] === V2_SIGNATURE[0]
  const signature = v2 ? V2_SIGNATURE : V1_SIGNATURE
  const n = Math.min(buf.length, signature.length)
  if (!buf.subarray(0, n).equals(signature.subarray(0, n))) throw new ProxyHeaderError('the connection does not start with a PROXY protocol header')
  if (v2) {
    if (buf.length < 16) return 0
    const length = 16 + buf.readUInt16BE(14)
    if (length > V2_MAX) throw new ProxyHeaderError(`PROXY v2 header of ${length} bytes`)
    return buf.length >= length ? length : 0
  }
  const end = buf.indexOf('\r\n')
  if (end === -1 || end + 2 > V1_MAX) {
    if (buf.length >= V1_MAX) throw new ProxyHeaderError('PROXY v1 line longer than 107 bytes')
    return 0
  }
  return end + 2
}

function ipv6(bytes: readonly number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16))
  // An IPv4 client of a dual-stack balancer: show it as IPv4, as Node does for a mapped peer.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') return bytes.slice(12).join('.')
  let best = { at: -1, len: 0 }
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > best.len) best = { at: i, len: j - i }
    i = j === i ? i + 1 : j
  }
  if (best.len < 2) return groups.join(':')
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`
}

function checked(address: string, port: number, family: 'IPv4' | 'IPv6'): ProxiedPeer {
  const kind = isIP(address)
  if (kind === 0 || !(port >= 0 && port <= 65535)) throw new ProxyHeaderError(`PROXY header names ${address}:${port}, not an address`)
  return { address, port, family: kind === 4 ? 'IPv4' : family }
}

/** The client a whole header names, or undefined when it names none (v1 UNKNOWN, v2 LOCAL: the balancer's own health check). */
export function parseHeader(header: Buffer): ProxiedPeer | undefined {
  try {
    if (header[0] === V2_SIGNATURE[0]) {
      const p = V2ProxyProtocol.parse(new Uint8Array(header.buffer, header.byteOffset, header.length))
      if (p.command === Command.LOCAL) return undefined
      const a = p.proxyAddress
      if (a instanceof IPv4ProxyAddress) return checked(a.sourceAddress.address.join('.'), a.sourcePort, 'IPv4')
      if (a instanceof IPv6ProxyAddress) return checked(ipv6(a.sourceAddress.address), a.sourcePort, 'IPv6')
      return undefined // AF_UNIX or UNSPEC: nothing an IP-based log or limit could use
    }
    const line = header.toString('latin1')
    if (line.startsWith('PROXY UNKNOWN')) return undefined
    const p = V1ProxyProtocol.parse(line)
    return checked(p.source.ipAddress, p.source.port, p.inetProtocol === 'TCP6' ? 'IPv6' : 'IPv4')
  } catch (err) {
    if (err instanceof ProxyHeaderError) throw err
    throw new ProxyHeaderError(`malformed PROXY header: ${(err as Error).message}`)
  }
}

/** Peers allowed to send a header: addresses and CIDR ranges, or "*". */
export function proxyTrust(allow: readonly string[]): (ip: string) => boolean {
  if (allow.includes('*')) return () => true
  const list = new BlockList()
  for (const entry of allow) {
    const [address, bits] = entry.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, family)
    else list.addSubnet(address, Number(bits), family)
  }
  return (ip) => {
    const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip
    return list.check(bare, isIP(bare) === 6 ? 'ipv6' : 'ipv4')
  }
}

/**
 * Read the header off a new connection and give the bytes after it back to the stream, for the
 * HTTP parser. Rejects on a bad header or after timeoutMs without a whole one.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxiedPeer | undefined> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0)
    const timer = timeoutMs > 0 ? setTimeout(() => fail(new ProxyHeaderError(`no whole PROXY header within ${timeoutMs}ms`)), timeoutMs) : undefined
    const cleanup = () => {
      clearTimeout(timer)
      socket.off('readable', onReadable)
      socket.off('end', onEnd)
      socket.off('error', fail)
    }
    const fail = (err: Error) => { cleanup(); reject(err) }
    const onEnd = () => fail(new ProxyHeaderError('the connection closed before its PROXY header'))
    const onReadable = () => {
      let chunk: Buffer | null
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
        let length: number
        try { length = headerLength(buf) } catch (err) { return fail(err as Error) }
        if (length === 0) continue
        let peer: ProxiedPeer | undefined
        try { peer = parseHeader(buf.subarray(0, length)) } catch (err) { return fail(err as Error) }
        cleanup()
        if (buf.length > length) socket.unshift(buf.subarray(length))
        return resolve(peer)
      }
    }
    socket.on('readable', onReadable)
    socket.once('end', onEnd)
    socket.once('error', fail)
  })
}

/** From now on the connection reports the client the header named, to node:http, the app and the access log. */
export function adoptPeer(socket: Socket, peer: ProxiedPeer): void {
  Object.defineProperties(socket, {
    remoteAddress: { value: peer.address, configurable: true },
    remotePort: { value: peer.port, configurable: true },
    remoteFamily: { value: peer.family, configurable: true },
  })
}
