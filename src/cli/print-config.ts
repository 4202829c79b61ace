/** `corral print-config [--explain]`: every setting's value, and with --explain, which source set it. */
import { loadConfig } from '../config/load.js'
import { settingList } from '../config/settings/index.js'
import { resolveOffloadThreads, resolveWorkers } from '../config/worker-count.js'
import { showValue } from './help.js'

export async function printConfig(argv: string[]): Promise<number> {
  const explain = argv.includes('--explain')
  const config = await loadConfig({ argv: argv.filter((a) => a !== '--explain') })
  const width = Math.max(...settingList.map((s) => s.name.length))
  const lines: string[] = []
  for (const s of settingList) {
    const value = (config.settings as Record<string, unknown>)[s.name]
    let line = `${s.name.padEnd(width)} = ${showValue(s, value)}`
    if (explain) line = line.padEnd(width + 40) + `  # ${config.sources[s.name as keyof typeof config.sources]}`
    lines.push(line)
  }
  if (explain) {
    const w = resolveWorkers(config.settings, config.sources.workers)
    lines.push('', `# workers resolve to ${w.count}: ${w.reason}`)
    const o = resolveOffloadThreads(config.settings)
    lines.push(`# offload threads resolve to ${o.count} per worker: ${o.reason}`)
  }
  process.stdout.write(lines.join('\n') + '\n')
  return 0
}
