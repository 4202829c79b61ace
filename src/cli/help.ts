/** --help text and docs/settings.md, both derived from the settings table. */
import { settingList } from '../config/settings/index.js'
import type { Setting } from '../config/setting.js'
import { codes } from '../errors.js'

const shown = (v: unknown): string => {
  if (v === null) return 'off'
  if (Array.isArray(v)) return v.length ? v.map(shown).join(', ') : '(none)'
  if (typeof v === 'object') {
    const b = v as { kind?: string; host?: string; port?: number; path?: string }
    return b.kind === 'unix' ? `unix:${b.path}` : b.kind === 'tcp' ? `${b.host}:${b.port}` : JSON.stringify(v)
  }
  return String(v)
}
/** A setting's value as people write it: durations as 30s, sizes as 1mb. */
export const showValue = (setting: Setting<unknown>, v: unknown) => (setting.parse.show && v !== null && v !== undefined ? setting.parse.show(v) : shown(v))

function bySection(): Map<string, Setting<unknown>[]> {
  const sections = new Map<string, Setting<unknown>[]>()
  for (const s of settingList) sections.set(s.section, [...(sections.get(s.section) ?? []), s])
  return sections
}

const flagText = (s: Setting<unknown>) => (s.positional ? '<app>' : s.cli.map((f) => (s.boolean ? f : `${f} ${s.name === 'bind' ? 'ADDR' : 'VALUE'}`)).join(', '))

export function settingsHelp(): string {
  const lines: string[] = []
  for (const [section, list] of bySection()) {
    lines.push('', `${section}:`)
    for (const s of list) {
      lines.push(`  ${flagText(s)}`)
      lines.push(`      ${s.doc}`)
      lines.push(`      default: ${showValue(s, s.default)}; env: ${s.env.join(', ')}${s.repeatable ? '; repeatable' : ''}`)
    }
  }
  return lines.join('\n')
}

export function settingsMarkdown(): string {
  const out = [
    '# Settings',
    '',
    '<!-- Generated from src/config/settings/ by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every setting can be given, from lowest to highest precedence: as its default, in `corral.config.ts`',
    '(`export default defineConfig({ name: value })`), as an environment variable, or as a command-line flag.',
    '`corral print-config --explain` shows each value and the source that set it. Durations are seconds',
    'unless a unit is given (`250ms`, `2s`, `5m`); sizes are bytes unless a unit is given (`512kb`, `1mb`).',
    '',
  ]
  for (const [section, list] of bySection()) {
    out.push(`## ${section}`, '')
    for (const s of list) {
      out.push(`### \`${s.name}\``, '')
      out.push(`- flag: ${s.positional ? 'the positional argument' : s.cli.map((f) => `\`${f}\``).join(', ')}${s.boolean ? ` (\`--no-${s.cli.at(-1)!.slice(2)}\` to turn off)` : ''}`)
      out.push(`- env: ${s.env.map((e) => `\`${e}\``).join(', ')}`)
      out.push(`- default: \`${showValue(s, s.default)}\``)
      out.push(`- allowed: ${s.parse.expected}`, '')
      out.push(s.doc, '')
    }
  }
  return out.join('\n')
}

export function errorsMarkdown(): string {
  const out = ['# Errors', '', '<!-- Generated from src/errors.ts by `npm run docs`. Do not edit by hand. -->', '',
    'Every error corral raises on purpose has a stable code. Scripts and code should branch on the code, not the text.', '',
    '| code | exit / status | meaning |', '|---|---|---|']
  for (const [code, e] of Object.entries(codes) as [string, { doc: string; exit?: number; status?: number }][]) {
    out.push(`| \`${code}\` | ${e.exit !== undefined ? `exit ${e.exit}` : `HTTP ${e.status}`} | ${e.doc} |`)
  }
  return out.join('\n') + '\n'
}
