/**
 * `corral migrate`'s work, apart from the command line: a Gunicorn or PM2 config file's text in,
 * the plan and corral.config.ts's text out. Which reader runs is decided by the file's name, then
 * by its content.
 */
import { basename } from 'node:path'
import { corralError } from '../errors.js'
import { translateGunicorn } from './gunicorn.js'
import { readPm2 } from './javascript.js'
import { translatePm2 } from './pm2.js'
import { readPython } from './python.js'
import type { Plan } from './source.js'
import { writeConfig } from './write.js'

export type SourceKind = 'gunicorn' | 'pm2'

export function kindOf(fileName: string, text: string): SourceKind {
  if (/\.py$/i.test(fileName)) return 'gunicorn'
  if (/\.(c|m)?js$|\.json$/i.test(fileName)) return 'pm2'
  return /module\.exports|export\s+default|^\s*\{/m.test(text) ? 'pm2' : 'gunicorn'
}

export interface MigrateOptions {
  /** For an ecosystem file with several apps: the one to translate (by its name). */
  app?: string
}

export function migrate(fileName: string, text: string, o: MigrateOptions = {}): { plan: Plan; config: string } {
  const name = basename(fileName)
  let plan: Plan
  if (kindOf(fileName, text) === 'gunicorn') {
    plan = translateGunicorn(readPython(text), name)
  } else {
    const file = readPm2(text, fileName)
    const named = file.apps.map((a, i) => {
      const n = a.fields.get('name')?.expr
      return n?.k === 'const' && typeof n.v === 'string' ? n.v : `#${i + 1}`
    })
    let index = 0
    if (o.app !== undefined) {
      index = named.indexOf(o.app)
      if (index < 0) throw corralError('CORRAL_ERR_MIGRATE', name, `it has no app named ${JSON.stringify(o.app)}; its apps are ${named.join(', ')}`)
    } else if (file.apps.length > 1) {
      throw corralError('CORRAL_ERR_MIGRATE', name, `it has ${file.apps.length} apps (${named.join(', ')}); one corral serves one app: choose one with --app NAME`)
    }
    plan = translatePm2(file.apps[index], `${name} (app ${named[index]})`)
    if (file.other.length) plan.notes.push(`Not translated: ${file.other.join(', ')} (PM2's deploy and other top-level sections; see docs/deploy.md for running corral).`)
  }
  return { plan, config: writeConfig(plan) }
}
