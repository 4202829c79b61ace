/**
 * Reading a PM2 ecosystem file (ecosystem.config.js / .cjs / .mjs, or .json) without running it:
 * parsed with acorn, its exported object read as expressions (expr.ts). PM2 itself requires the
 * file, but a migration tool has no business running whatever a config file does at load; what only
 * running it could tell (a function call, a spread) is flagged instead, as for Python.
 */
import { parse, parseExpressionAt, type Node } from 'acorn'
import { corralError } from '../errors.js'
import { constant, fold, unknown, type BinaryOp, type Expr } from './expr.js'

type Any = Node & Record<string, any>
type Binding = { kind: 'value'; expr: Expr; node: Any } | { kind: 'module'; path: string }

/** One field of an app: its value, the source text and line. */
export interface Field { expr: Expr; text: string; line: number; node: Any }
export interface Pm2App { fields: Map<string, Field>; line: number }
export interface Pm2File { apps: Pm2App[]; other: string[] }

const BINARY: Record<string, BinaryOp> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '**': '**', '??': '??', '||': '||', '&&': '&&', '==': '==', '===': '==', '!=': '!=', '!==': '!=' }

class Reader {
  readonly scope = new Map<string, Binding>()
  constructor(readonly src: string) {}

  text(n: Any) { return this.src.slice(n.start, n.end) }
  line(n: Any) { return (n.loc?.start.line as number | undefined) ?? 1 }

  /** What a callee or object stands for: a module (os), a dotted name (os.cpus, Math.max), if it is one. */
  path(n: Any): string | undefined {
    if (n.type === 'Identifier') {
      const b = this.scope.get(n.name)
      return b === undefined ? n.name : b.kind === 'module' ? b.path : undefined
    }
    if (n.type === 'CallExpression' && n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal') {
      return String(n.arguments[0].value).replace(/^node:/, '')
    }
    if (n.type === 'MemberExpression' && !n.computed) {
      const base = this.path(n.object)
      return base === undefined ? undefined : `${base}.${n.property.name}`
    }
    return undefined
  }

  expr(n: Any | null | undefined): Expr {
    if (!n) return unknown('is empty')
    switch (n.type) {
      case 'Literal':
        return n.regex ? unknown(`is a regular expression (${this.text(n)})`) : constant(n.value as string | number | boolean | null)
      case 'TemplateLiteral':
        return fold({ k: 'template', parts: n.quasis.flatMap((q: Any, i: number) => [q.value.cooked as string, ...(i < n.expressions.length ? [this.expr(n.expressions[i])] : [])]) })
      case 'Identifier': {
        if (n.name === 'undefined') return constant(null)
        const b = this.scope.get(n.name)
        return b?.kind === 'value' ? b.expr : unknown(`uses ${n.name}, which the file does not set as a plain value`)
      }
      case 'UnaryExpression': {
        const a = this.expr(n.argument)
        if (n.operator === '-') return fold({ k: 'neg', a })
        if (n.operator === '!') return fold({ k: 'not', a })
        if (n.operator === '+') return fold({ k: 'call', fn: 'Number', args: [a] })
        return unknown(`uses the operator ${n.operator}`)
      }
      case 'BinaryExpression': case 'LogicalExpression': {
        const op = BINARY[n.operator]
        return op ? fold({ k: 'bin', op, a: this.expr(n.left), b: this.expr(n.right) }) : unknown(`uses the operator ${n.operator}`)
      }
      case 'ConditionalExpression':
        return fold({ k: 'cond', test: this.expr(n.test), then: this.expr(n.consequent), else: this.expr(n.alternate) })
      case 'ArrayExpression':
        return n.elements.some((e: Any | null) => !e || e.type === 'SpreadElement') ? unknown('spreads or skips array items') : { k: 'list', items: n.elements.map((e: Any) => this.expr(e)) }
      case 'ObjectExpression': {
        const entries: [string, Expr][] = []
        for (const p of n.properties as Any[]) {
          if (p.type !== 'Property' || p.computed || p.kind !== 'init' || p.method) return unknown('builds an object with spreads, methods or computed keys')
          entries.push([p.key.type === 'Identifier' ? p.key.name : String(p.key.value), this.expr(p.value)])
        }
        return { k: 'dict', entries }
      }
      case 'MemberExpression': {
        // process.env.NAME, process.env['NAME'], os.cpus().length
        if (this.path(n.object) === 'process.env') {
          if (!n.computed) return { k: 'env', name: n.property.name }
          if (n.property.type === 'Literal' && typeof n.property.value === 'string') return { k: 'env', name: n.property.value }
        }
        if (!n.computed && n.property.name === 'length' && n.object.type === 'CallExpression' && this.path(n.object.callee) === 'os.cpus') return { k: 'cpu' }
        return unknown(`reads ${this.text(n)}`)
      }
      case 'CallExpression': {
        const callee = this.path(n.callee)
        const args = (n.arguments as Any[]).map((a) => this.expr(a))
        if (callee === 'os.availableParallelism') return { k: 'cpu' }
        if (callee === 'Number' || callee === 'parseInt' || callee === 'parseFloat') return fold({ k: 'call', fn: 'Number', args: args.slice(0, 1) })
        if (callee === 'String') return fold({ k: 'call', fn: 'String', args: args.slice(0, 1) })
        if (callee === 'Math.max' || callee === 'Math.min' || callee === 'Math.floor') return fold({ k: 'call', fn: callee, args })
        return unknown(`calls ${this.text(n.callee)}(), which corral does not run`)
      }
      default:
        return unknown(`is JavaScript corral does not translate (${this.text(n).slice(0, 40)})`)
    }
  }

  /** `const os = require('os')`, `const { cpus } = require('os')`, `const workers = 4` */
  declare(d: Any) {
    for (const v of d.declarations as Any[]) {
      if (!v.init) continue
      const module = this.path(v.init)
      const isRequire = v.init.type === 'CallExpression' && v.init.callee?.name === 'require'
      if (v.id.type === 'Identifier') {
        this.scope.set(v.id.name, isRequire && module ? { kind: 'module', path: module } : { kind: 'value', expr: this.expr(v.init), node: v.init })
      } else if (v.id.type === 'ObjectPattern' && isRequire && module) {
        for (const p of v.id.properties as Any[]) if (p.type === 'Property' && p.value.type === 'Identifier') this.scope.set(p.value.name, { kind: 'module', path: `${module}.${p.key.name ?? p.key.value}` })
      }
    }
  }

  importDeclaration(d: Any) {
    const module = String(d.source.value).replace(/^node:/, '')
    for (const s of d.specifiers as Any[]) {
      this.scope.set(s.local.name, { kind: 'module', path: s.type === 'ImportSpecifier' ? `${module}.${s.imported.name}` : module })
    }
  }

  /** The exported object: module.exports = …, export default …, or the JSON document. */
  exported(program: Any): Any | undefined {
    let found: Any | undefined
    for (const s of program.body as Any[]) {
      if (s.type === 'VariableDeclaration') this.declare(s)
      else if (s.type === 'ImportDeclaration') this.importDeclaration(s)
      else if (s.type === 'ExportDefaultDeclaration') found = s.declaration
      else if (s.type === 'ExpressionStatement' && s.expression.type === 'AssignmentExpression') {
        const target = this.text(s.expression.left)
        if (target === 'module.exports') found = s.expression.right
        else if (target === 'module.exports.apps' || target === 'exports.apps') found = { type: 'ObjectExpression', properties: [{ type: 'Property', key: { type: 'Identifier', name: 'apps' }, value: s.expression.right, kind: 'init' }] } as unknown as Any
      }
    }
    if (found?.type === 'Identifier') {
      const b = this.scope.get(found.name)
      if (b?.kind === 'value') found = b.node
    }
    return found
  }
}

export function readPm2(src: string, fileName: string): Pm2File {
  const reader = new Reader(src)
  let top: Any | undefined
  try {
    if (/\.json$/i.test(fileName)) top = parseExpressionAt(src, 0, { ecmaVersion: 'latest', locations: true }) as Any
    else {
      const program = parse(src, { ecmaVersion: 'latest', sourceType: /\.mjs$/i.test(fileName) ? 'module' : 'script', allowHashBang: true, locations: true, allowImportExportEverywhere: true }) as Any
      top = reader.exported(program)
    }
  } catch (err) {
    throw corralError('CORRAL_ERR_MIGRATE', fileName, `it is not valid JavaScript: ${(err as Error).message}`)
  }
  if (!top || top.type !== 'ObjectExpression') throw corralError('CORRAL_ERR_MIGRATE', fileName, 'found no exported object (module.exports = { apps: [...] })')
  const appsProp = (top.properties as Any[]).find((p) => p.type === 'Property' && (p.key.name ?? p.key.value) === 'apps')
  const other = (top.properties as Any[]).filter((p) => p !== appsProp).map((p) => reader.text(p.key))
  const list: Any[] = appsProp?.value.type === 'ArrayExpression' ? appsProp.value.elements : appsProp?.value.type === 'ObjectExpression' ? [appsProp.value] : []
  if (list.length === 0) throw corralError('CORRAL_ERR_MIGRATE', fileName, 'found no apps (an `apps` array of objects)')
  const apps: Pm2App[] = list.map((app) => {
    if (app?.type !== 'ObjectExpression') throw corralError('CORRAL_ERR_MIGRATE', fileName, `an app at line ${reader.line(app)} is not an object literal`)
    const fields = new Map<string, Field>()
    for (const p of app.properties as Any[]) {
      if (p.type !== 'Property' || p.computed) continue
      fields.set(p.key.name ?? String(p.key.value), { expr: reader.expr(p.value), text: reader.text(p), line: reader.line(p), node: p.value })
    }
    return { fields, line: reader.line(app) }
  })
  return { apps, other }
}
