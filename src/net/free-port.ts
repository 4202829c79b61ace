/**
 * A loopback port nothing listens on right now, for tests, benches and `corral doctor`, which start
 * their own servers on fresh ports. Another process may take it before the caller binds it, so it
 * is picked below the kernel's ephemeral range (ip_local_port_range): the kernel hands ports from
 * that range to every outgoing connection on the machine, and a port it had just chosen for us (bind
 * to 0) went to a client's connect() before the server bound it (seen in CI: an admin port taken
 * between the pick and the bind, EADDRINUSE). Below the range only another listener can take it.
 * Where the range cannot be read, or nothing below it binds, the kernel picks as before.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** The lowest port the kernel gives outgoing connections (Linux), or undefined elsewhere. */
function ephemeralStart(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) ? low : undefined
  } catch { return undefined }
}

const FLOOR = 10_000

async function tryListen(port: number, host: string): Promise<number | undefined> {
  const server = createServer()
  server.listen(port, host)
  try {
    await once(server, 'listening')
  } catch {
    return undefined
  }
  const bound = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return bound
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const top = ephemeralStart()
  if (top !== undefined && top - FLOOR > 1000) {
    for (let i = 0; i < 20; i++) {
      const port = await tryListen(FLOOR + Math.floor(Math.random() * (top - FLOOR)), host)
      if (port !== undefined) return port
    }
  }
  return (await tryListen(0, host))!
}
