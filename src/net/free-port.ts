/**
 * A loopback port nothing listens on right now: bind port 0, read what the kernel chose, close.
 * Another process may take it before the caller binds it; for tests, benches and `corral doctor`,
 * which start their own servers on fresh ports, that window is small enough.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  server.listen(0, host)
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
