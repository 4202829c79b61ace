/**
 * Entry of the process that hosts the embedded PostgreSQL (forked by embedded.ts).
 *
 * Protocol over the IPC channel, parent ⇄ child, JSON:
 *   child → parent  { type: 'ready', url }            serving; url is a postgres:// URL
 *   child → parent  { type: 'failed', code, message } could not start; the child then exits 1
 *   parent → child  { type: 'close' }                  stop serving, close PGlite cleanly, exit 0
 * When the channel closes (the master died, even by SIGKILL), the child closes and exits too.
 * Signals do not stop it: only the master does, through the channel.
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
// A terminal's ^C and a SIGTERM sent to the whole group (systemd's default KillMode, `timeout`,
// `kill -TERM -PGID`) reach this process too. The master decides when it closes: it sends 'close'
// after its workers have drained, and if the master dies the channel's 'disconnect' closes it.
// Closing at once would cut the connections of requests still being answered.
process.on('SIGTERM', () => {})
process.on('SIGINT', () => {})

try {
  server = await serveEmbedded(process.argv[2]!, Number(process.argv[3] ?? 0))
  await send({ type: 'ready', url: server.url })
} catch (err) {
  await send({ type: 'failed', code: (err as { code?: string }).code, message: (err as Error).message })
  process.exit(1)
}
