/** `corral ctl <command>`: talk to a running master over its control socket. */
import { control } from '../control/client.js'
import { controlCommands, type ControlRequest } from '../control/protocol.js'
import { corralError } from '../errors.js'
import { loadConfig } from '../config/load.js'

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)}MB`
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`

function table(workers: Record<string, number | string>[]): string {
  const rows = [['id', 'pid', 'gen', 'state', 'age', 'served', 'in-flight', 'heartbeat', 'rss'],
    ...workers.map((w) => [w.id, w.pid, w.generation, w.state, secs(Number(w.ageMs)), w.served, w.inFlight, `${secs(Number(w.heartbeatAgeMs))} ago`, mb(Number(w.rss))].map(String))]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n')
}

const number = (raw: string | undefined, what: string) => {
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw corralError('CORRAL_ERR_USAGE', `corral ctl ${what} needs a positive integer, received ${JSON.stringify(raw ?? '')}`)
  return n
}

export async function ctl(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  const rest = argv.filter((a) => a !== '--json')
  const [cmd, arg, ...options] = rest
  if (!controlCommands.includes(cmd as never)) {
    throw corralError('CORRAL_ERR_USAGE', `corral ctl needs one of: ${controlCommands.join(', ')} (scale N, kill ID)`)
  }
  const takesArg = cmd === 'scale' || cmd === 'kill'
  const config = await loadConfig({ argv: takesArg ? options : [arg, ...options].filter((a): a is string => a !== undefined) })
  const path = config.settings.controlSocket
  if (!path) throw corralError('CORRAL_ERR_USAGE', 'the control socket is off (--control-socket off)')
  const req: ControlRequest = cmd === 'scale' ? { cmd, to: number(arg, 'scale') } : cmd === 'kill' ? { cmd, id: number(arg, 'kill') } : { cmd } as ControlRequest
  const reply = await control(path, req)
  if (!reply.ok) {
    process.stderr.write(`corral: ${reply.code}: ${reply.error}\n`)
    return 1
  }
  if (json) process.stdout.write(JSON.stringify(reply, null, 2) + '\n')
  else if (cmd === 'workers') process.stdout.write(table(reply.workers as Record<string, number | string>[]) + '\n')
  else if (cmd === 'stats') {
    const { workers, ...rest } = reply as Record<string, unknown>
    process.stdout.write(Object.entries(rest).filter(([k]) => k !== 'ok').map(([k, v]) => `${k}: ${v}`).join('\n') + '\n' + table(workers as Record<string, number | string>[]) + '\n')
  } else process.stdout.write(`ok${Object.entries(reply).filter(([k]) => k !== 'ok').map(([k, v]) => ` ${k}=${v}`).join('')}\n`)
  return 0
}
