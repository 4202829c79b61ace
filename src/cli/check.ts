/** `corral check [app]`: validate the config and load the app, without serving. Exit 0 when both are fine. */
import { loadApp } from '../app/load.js'
import { loadConfig } from '../config/load.js'
import { resolveWorkers } from '../config/worker-count.js'
import { chooseBalance } from '../arbiter/balance.js'
import { corralError } from '../errors.js'
import { checkProtocols } from '../protocols/check.js'

export async function check(argv: string[]): Promise<number> {
  const config = await loadConfig({ argv })
  const s = config.settings
  chooseBalance(s.balance)
  await checkProtocols(s, config.sources)
  const workers = resolveWorkers(s, config.sources.workers)
  const out = [`config: ok${config.file ? ` (${config.file})` : ' (no config file)'}`, `workers: ${workers.count} (${workers.reason})`]
  if (s.app) {
    const app = await loadApp(s.app)
    if (s.workerClass === 'threads' && app.kind !== 'fetch') throw corralError('CORRAL_ERR_WORKER_CLASS', 'threads', `its export is a ${app.kind} app, not a fetch handler`)
    if (((s.http2 && s.certfile !== null) || s.h2c) && app.notHttp2) throw corralError('CORRAL_ERR_HTTP2_APP', s.app, app.notHttp2)
    await app.close?.()
    out.push(`app: ok (${s.app}, a ${app.kind} app)`)
  } else {
    out.push('app: not given, not checked')
  }
  process.stdout.write(out.join('\n') + '\n')
  return 0
}
