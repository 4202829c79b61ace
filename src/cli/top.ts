/**
 * `corral top [ADDRESS]`: the dashboard in a terminal, refreshing every second, like `pm2 monit`.
 * It reads the admin port named by ADDRESS (host:port, unix:/path or an http:// URL), or else by
 * --admin-bind from the config, flags and env, as `corral serve` would.
 */
import { createElement as h } from 'react'
import { loadConfig } from '../config/load.js'
import { parseBind, type BindAddress } from '../config/parse.js'
import { corralError } from '../errors.js'
import { adminClient } from '../top/client.js'
import { forgetCi } from '../top/live-terminal.js'

/** The alternate screen, as htop and less use: the shell's screen comes back as it was on exit. */
const ENTER_SCREEN = '\x1b[?1049h\x1b[H'
const LEAVE_SCREEN = '\x1b[?1049l'

function address(raw: string): BindAddress {
  const text = raw.replace(/^https?:\/\//, '').replace(/\/+$/, '')
  try {
    return parseBind(text)
  } catch {
    throw corralError('CORRAL_ERR_USAGE', `corral top: the admin address must be host:port, unix:/path or http://host:port, received ${JSON.stringify(raw)}`)
  }
}

export async function top(argv: string[]): Promise<number> {
  const positional = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined
  const bind = positional ? address(positional) : (await loadConfig({ argv })).settings.adminBind
  if (!bind) throw corralError('CORRAL_ERR_USAGE', 'corral top reads the admin port, and it is off (--admin-bind off); give its address: corral top host:port')
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw corralError('CORRAL_ERR_USAGE', 'corral top needs a terminal; a script can read the same numbers as JSON from the admin port\'s /dashboard/state')
  }
  forgetCi()
  const [{ render }, { TopApp }] = await Promise.all([import('ink'), import('../top/app.js')])
  const client = adminClient(bind)
  process.stdout.write(ENTER_SCREEN)
  try {
    const app = render(h(TopApp, { client }), { exitOnCtrlC: true, patchConsole: true })
    await app.waitUntilExit()
  } finally {
    process.stdout.write(LEAVE_SCREEN)
    await client.close()
  }
  return 0
}
