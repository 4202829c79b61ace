/** The master's end of the control socket (protocol.ts). Only this machine's users can reach it: it is a unix socket, mode 0600. */
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { dirname } from 'node:path'
import { corralError } from '../errors.js'
import type { ControlCommand, ControlReply, ControlRequest } from './protocol.js'

export type ControlHandlers = { [K in ControlCommand]: (req: Extract<ControlRequest, { cmd: K }>) => Promise<ControlReply> | ControlReply }

const MAX_REQUEST = 64 * 1024

export interface Control {
  server: Server
  /** Stop answering; `keepPath` leaves the socket file to the master that took it over (SIGUSR2). */
  close(options?: { keepPath?: boolean }): Promise<void>
}

/** `fd`: the control socket handed over by the master before (SIGUSR2) or by systemd, used instead of binding `path`. */
export async function startControl(path: string, handlers: ControlHandlers, fd?: number): Promise<Control> {
  mkdirSync(dirname(path), { recursive: true })
  // serve.ts already refused to start if another master answers on it
  if (fd === undefined && existsSync(path)) unlinkSync(path)
  const answer = (socket: Socket, reply: ControlReply) => socket.end(JSON.stringify(reply) + '\n')
  const server = createServer((socket) => {
    let buf = ''
    socket.setEncoding('utf8')
    socket.on('error', () => {})
    socket.on('data', (chunk: string) => {
      buf += chunk
      if (buf.length > MAX_REQUEST) return answer(socket, { ok: false, code: 'CORRAL_ERR_CONTROL', error: 'request too large' })
      const nl = buf.indexOf('\n')
      if (nl < 0) return
      let req: ControlRequest
      try {
        req = JSON.parse(buf.slice(0, nl))
      } catch {
        return answer(socket, { ok: false, code: 'CORRAL_ERR_CONTROL', error: 'the request is not JSON' })
      }
      const handler = handlers[req?.cmd] as ((r: ControlRequest) => Promise<ControlReply> | ControlReply) | undefined
      if (!handler) return answer(socket, { ok: false, code: 'CORRAL_ERR_CONTROL', error: `unknown command ${JSON.stringify(req?.cmd)}; known: ${Object.keys(handlers).join(', ')}` })
      Promise.resolve()
        .then(() => handler(req))
        .then((reply) => answer(socket, reply), (err) => answer(socket, { ok: false, code: (err as { code?: string }).code ?? 'CORRAL_ERR_CONTROL', error: (err as Error).message }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(corralError('CORRAL_ERR_BIND', `control socket ${path}`, err.message)))
    if (fd !== undefined) server.listen({ fd }, () => resolve())
    else server.listen(path, () => resolve())
  })
  if (fd === undefined) chmodSync(path, 0o600)
  return {
    server,
    close: (options) => new Promise((resolve) => server.close(() => {
      if (!options?.keepPath) try { unlinkSync(path) } catch { /* gone */ }
      resolve()
    })),
  }
}
