/**
 * `corral deploy nginx`: write the nginx config for corral behind nginx (deploy/nginx.ts), from
 * the same settings corral serves with (config file, env, flags), so ports and timeouts agree.
 */
import { writeFileSync } from 'node:fs'
import { loadConfig } from '../config/load.js'
import { parseBind } from '../config/parse.js'
import { nginxConfig, upstreamsOf, type NginxOptions } from '../deploy/nginx.js'
import { corralError } from '../errors.js'

export const deployUsage = 'corral deploy nginx [--upstream host:port]... [--listen 80] [--server-name _] [--max-fails 3] [--fail-timeout 10] [--standalone] [--out file] [settings]'

const flags = {
  '--upstream': 'host:port of a corral instance (repeat for each host; default: this config\'s --bind)',
  '--listen': 'what nginx listens on (default 80)',
  '--server-name': 'nginx server_name (default _)',
  '--max-fails': 'failures before nginx leaves a host out (passive health check; default 3)',
  '--fail-timeout': 'seconds a failed host is left out (default 10)',
  '--standalone': 'a whole nginx.conf (events, http, pid and logs under nginx -p) instead of a conf.d file',
  '--out': 'write to this file instead of standard output',
} as const

function count(flag: string, raw: string | undefined): number {
  const n = Number(raw)
  if (raw === undefined || !Number.isInteger(n) || n < 1) throw corralError('CORRAL_ERR_USAGE', `${flag}: expected a positive integer, received ${JSON.stringify(raw)}`)
  return n
}

export async function deploy(argv: string[]): Promise<number> {
  const [target, ...rest] = argv
  if (target !== 'nginx') {
    throw corralError('CORRAL_ERR_USAGE', `corral deploy: unknown target ${JSON.stringify(target ?? '')}; known: nginx. Usage: ${deployUsage}\n${Object.entries(flags).map(([f, d]) => `  ${f.padEnd(15)} ${d}`).join('\n')}`)
  }
  const o: NginxOptions = { upstreams: [], listen: '80', serverName: '_', maxFails: 3, failTimeoutS: 10, standalone: false }
  let out: string | undefined
  const settingsArgv: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].includes('=') ? [rest[i].slice(0, rest[i].indexOf('=')), rest[i].slice(rest[i].indexOf('=') + 1)] : [rest[i], undefined]
    const value = () => inline ?? rest[++i]
    switch (flag) {
      case '--upstream': {
        const v = value()
        const b = (() => { try { return parseBind(v ?? '') } catch { return undefined } })()
        if (!b || b.kind !== 'tcp' || b.port === 0) throw corralError('CORRAL_ERR_USAGE', `--upstream: expected host:port, received ${JSON.stringify(v)}`)
        o.upstreams.push(v!)
        break
      }
      case '--listen': o.listen = value() ?? ''; if (!/^([\w.:[\]-]+:)?\d{1,5}$/.test(o.listen)) throw corralError('CORRAL_ERR_USAGE', `--listen: expected a port or host:port, received ${JSON.stringify(o.listen)}`); break
      case '--server-name': o.serverName = value() ?? '_'; break
      case '--max-fails': o.maxFails = count(flag, value()); break
      case '--fail-timeout': o.failTimeoutS = count(flag, value()); break
      case '--standalone': o.standalone = true; break
      case '--out': out = value(); break
      default: settingsArgv.push(rest[i])
    }
  }
  const { settings } = await loadConfig({ argv: settingsArgv })
  if (o.upstreams.length === 0) o.upstreams = upstreamsOf(settings)
  const text = nginxConfig(settings, o)
  if (out) writeFileSync(out, text)
  else process.stdout.write(text)
  return 0
}
