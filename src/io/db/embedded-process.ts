/**
 * Entry of the process that hosts the embedded PostgreSQL (forked by embedded.ts).
 *
 * Protocol over the IPC channel, parent ⇄ child, JSON:
 *   child → parent  { type: 'ready', url }            serving; url is a postgres:// URL
 *   child → parent  { type: 'failed', code, message } could not start; the child then exits 1
 *   parent → child  { type: 'close' }                  stop serving, close PGlite cleanly, exit 0
 * When the channel closes (the master died, even by SIGKILL), the child closes and exits too.
 */
import { serveEmbedded, type EmbeddedServer } from './embedded-server.js'

export type EmbeddedMessage =
  | { type: 'ready'; url: string }
  | { type: 'failed'; code?: string; message: string }

const send = (msg: EmbeddedMessage) => new Promise<void>((done) => process.send!(msg, () => done()))

let server: EmbeddedServer | undefined
let closing = false

async function stop(status: number): Promise<never> {
  if (!closing) {
    closing = true
    await server?.close().catch(() => {})
  }
  process.exit(status)
}

process.on('message', (msg: { type?: string }) => { if (msg?.type === 'close') void stop(0) })
process.on('disconnect', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
process.on('SIGINT', () => {}) // a terminal's ^C reaches the whole group; the master decides when we close

try {
  server = await serveEmbedded(process.argv[2]!)
  await send({ type: 'ready', url: server.url })
} catch (err) {
  await send({ type: 'failed', code: (err as { code?: string }).code, message: (err as Error).message })
  process.exit(1)
}
