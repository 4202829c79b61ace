/**
 * Where a JavaScript syntax error is. Node reports a syntax error in an ES module with neither the
 * file nor the line in the error's message or stack: it keeps them in a hidden field it prints only
 * when the error is uncaught, and corral catches it. (TypeScript is different: tsx and Node's type
 * stripping put both in the message.) So the app's local modules are parsed again with acorn,
 * following static relative imports from the entry, and the first that does not parse is named
 * with its line, column and the line itself.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse, type Node } from 'acorn'

const JS = /\.(?:m?js|cjs)$/
const MAX_FILES = 500

type WithSource = Node & { source?: { value?: unknown } | null }

export function locateSyntaxError(entry: string): string | undefined {
  const queue = [resolve(entry)]
  const seen = new Set(queue)
  while (queue.length > 0 && seen.size <= MAX_FILES) {
    const file = queue.shift()!
    if (!JS.test(file)) continue
    let text: string
    try { text = readFileSync(file, 'utf8') } catch { continue }
    let body: WithSource[]
    try {
      body = parse(text, { ecmaVersion: 'latest', sourceType: file.endsWith('.cjs') ? 'script' : 'module', locations: true, allowHashBang: true }).body as WithSource[]
    } catch (err) {
      const loc = (err as { loc?: { line: number; column: number } }).loc
      if (!loc) return undefined
      const line = text.split('\n')[loc.line - 1] ?? ''
      return `${file}:${loc.line}:${loc.column + 1}\n${line}\n${' '.repeat(loc.column)}^\n${(err as Error).message.replace(/ \(\d+:\d+\)$/, '')}`
    }
    for (const node of body) {
      const spec = node.source?.value
      if (typeof spec !== 'string' || !spec.startsWith('.')) continue
      const next = resolve(dirname(file), spec)
      if (!seen.has(next)) { seen.add(next); queue.push(next) }
    }
  }
  return undefined
}
