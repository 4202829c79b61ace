/** `corral ctl`'s end of the control socket (protocol.ts). */
import { connect } from 'node:net'
import { corralError } from '../errors.js'
import type { ControlReply, ControlRequest } from './protocol.js'

export function control(path: string, req: ControlRequest, timeoutMs = 120_000): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let buf = ''
    socket.setEncoding('utf8')
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer in ${timeoutMs}ms`)))
    socket.on('connect', () => socket.write(JSON.stringify(req) + '\n'))
    socket.on('data', (d: string) => { buf += d })
    socket.on('end', () => {
      try { resolve(JSON.parse(buf)) } catch { reject(corralError('CORRAL_ERR_CONTROL', path, `unreadable answer ${JSON.stringify(buf.slice(0, 200))}`)) }
    })
    socket.on('error', (err) => reject(corralError('CORRAL_ERR_CONTROL', path,
      (err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ECONNREFUSED'
        ? 'no corral master is listening there (is it running, with the same --control-socket?)' : err.message)))
  })
}
