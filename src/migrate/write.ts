/**
 * A plan as corral.config.ts: each translated setting under a comment that quotes its source line
 * and says what differs; each setting without an equivalent as a comment saying why; each flagged
 * value and each hook commented out, for a person to finish. Comments are wrapped to stay readable.
 */
import type { Line, Plan } from './source.js'

const WIDTH = 100

function wrap(text: string, indent: string): string[] {
  const out: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + 3 + line.length + 1 + word.length > WIDTH) { out.push(line); line = word } else line = line ? `${line} ${word}` : word
  }
  if (line) out.push(line)
  return out.map((l) => `${indent}// ${l}`)
}

const source = (l: Line) => `${l.origin.text.split('\n')[0].trim()}${l.origin.line ? ` (line ${l.origin.line})` : ''}`

function lineText(l: Line, indent: string): string[] {
  switch (l.kind) {
    case 'setting':
      if (l.flagged) {
        return [...wrap(`FLAGGED: ${source(l)}: ${l.flagged}.${l.why ? ' ' + l.why : ''}`, indent), `${indent}// ${l.setting}: ${l.ts},`]
      }
      return [...wrap(`${source(l)}${l.why ? `: ${l.why}` : ''}`, indent), `${indent}${l.setting}: ${l.ts},`]
    case 'none':
      return wrap(`${source(l)}: no equivalent in corral. ${l.why}`, indent)
    case 'builtin':
      return wrap(`${source(l)}: nothing to set. ${l.why}`, indent)
    case 'hook': {
      return [
        ...wrap(`HOOK: ${source(l)} is ${l.why} Its body cannot be translated; port it to TypeScript, then uncomment:`, indent),
        ...l.body.map((b) => `${indent}//   ${b}`.trimEnd()),
        `${indent}// ${l.signature} {`,
        `${indent}// },`,
      ]
    }
  }
}

export interface Counts { translated: number; none: number; flagged: number; hooks: number }

export function counts(plan: Plan): Counts {
  const c: Counts = { translated: plan.env.length, none: 0, flagged: 0, hooks: 0 }
  for (const l of plan.lines) {
    if (l.kind === 'setting') { if (l.flagged) c.flagged++; else c.translated++ }
    else if (l.kind === 'none') c.none++
    else if (l.kind === 'hook') c.hooks++
  }
  return c
}

const n = (count: number, one: string, many = one + 's') => `${count} ${count === 1 ? one : many}`

/** "12 values translated, 3 with no equivalent (said why), 1 FLAGGED to set by hand, 2 HOOKs to port" */
export const summary = (c: Counts) =>
  `${n(c.translated, 'value')} translated, ${c.none} with no equivalent (said why), ${c.flagged} FLAGGED to set by hand, ${n(c.hooks, 'HOOK')} to port`

export function writeConfig(plan: Plan): string {
  const body = plan.lines.flatMap((l, i) => [...(i > 0 ? [''] : []), ...lineText(l, '  ')])
  const usesCpu = plan.lines.some((l) => l.kind === 'setting' && !l.flagged && l.ts.includes('cpuCount()'))
  const c = counts(plan)
  const out = [
    `// corral.config.ts, translated by \`corral migrate\` from ${plan.from}.`,
    ...wrap(`${summary(c)}. Review it, then run \`corral check app.ts\`: it loads this file and checks every value.`, ''),
    `import { ${usesCpu ? 'cpuCount, ' : ''}defineConfig } from 'corral'`,
    '',
  ]
  if (plan.env.length) {
    out.push(...wrap('The environment the old config gave the app. The master sets it when it loads this file, and the workers inherit it; corral\'s own settings are read from the environment before this file, so they are set below instead.', ''))
    for (const e of plan.env) out.push(`process.env${/^[A-Za-z_]\w*$/.test(e.name) ? `.${e.name}` : `[${JSON.stringify(e.name)}]`} = ${e.ts} // from ${e.origin.text.split('\n')[0].trim()}${e.origin.line ? ` (line ${e.origin.line})` : ''}`)
    out.push('')
  }
  out.push('export default defineConfig({', ...body, '})', '')
  if (plan.notes.length) out.push(...plan.notes.flatMap((n) => wrap(n, '')), '')
  return out.join('\n')
}
