/**
 * `corral migrate <gunicorn.conf.py | ecosystem.config.js> [--out corral.config.ts] [--app NAME]`:
 * translate a Gunicorn or PM2 config into corral.config.ts (src/migrate/). It never runs the
 * file it reads, and never overwrites a file unless told to.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { corralError } from '../errors.js'
import { migrate } from '../migrate/migrate.js'
import { counts, summary as describe } from '../migrate/write.js'

export const migrateUsage = 'corral migrate <gunicorn.conf.py|ecosystem.config.js> [--out corral.config.ts|-] [--force] [--app NAME]'

export async function migrateCommand(argv: string[]): Promise<number> {
  let file: string | undefined
  let out = 'corral.config.ts'
  let force = false
  let app: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined]
    const value = () => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw corralError('CORRAL_ERR_USAGE', `${flag} needs a value. Usage: ${migrateUsage}`)
      return v
    }
    if (flag === '--out' || flag === '-o') out = value()
    else if (flag === '--force') force = true
    else if (flag === '--app') app = value()
    else if (flag === '-h' || flag === '--help') { process.stdout.write(`usage: ${migrateUsage}\n`); return 0 }
    else if (flag.startsWith('-')) throw corralError('CORRAL_ERR_USAGE', `corral migrate: unknown option ${flag}. Usage: ${migrateUsage}`)
    else if (file === undefined) file = flag
    else throw corralError('CORRAL_ERR_USAGE', `corral migrate translates one file at a time. Usage: ${migrateUsage}`)
  }
  if (file === undefined) throw corralError('CORRAL_ERR_USAGE', `corral migrate needs the file to translate. Usage: ${migrateUsage}`)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw corralError('CORRAL_ERR_MIGRATE', file, (err as Error).message)
  }
  const { plan, config } = migrate(file, text, { app })
  const summary = describe(counts(plan))
  if (out === '-') {
    process.stdout.write(config)
    process.stderr.write(`corral migrate: ${summary}\n`)
    return 0
  }
  if (existsSync(out) && !force) throw corralError('CORRAL_ERR_USAGE', `corral migrate: ${out} exists; pass --force to overwrite it, or --out another file (--out - prints it)`)
  writeFileSync(out, config)
  process.stdout.write(`wrote ${out} from ${file}: ${summary}.\nReview it, then run \`corral check app.ts\` (it loads ${out} and checks every value).\n`)
  return 0
}
