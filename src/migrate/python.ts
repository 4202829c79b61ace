/**
 * Reading a gunicorn.conf.py without running it. Gunicorn executes the file and keeps the module
 * variables whose names are settings; we parse it (Lezer's Python grammar) and read each top-level
 * assignment as an expression (expr.ts) over constants, earlier variables, the CPU count and the
 * environment. What only running Python could tell (a call to the file's own function, a value set
 * inside an `if`, a file read) becomes "unknown", with the reason, and is flagged in the output.
 */
import { parser } from '@lezer/python'
import type { SyntaxNode } from '@lezer/common'
import { corralError } from '../errors.js'
import { constant, fold, unknown, type BinaryOp, type Expr } from './expr.js'
import type { Assignment, FunctionDef, ReadFile } from './source.js'

/** Calls whose meaning we know, by their dotted name after imports are resolved. */
const CPU_CALLS = new Set(['multiprocessing.cpu_count', 'os.cpu_count', 'psutil.cpu_count', 'os.process_cpu_count'])
const ENV_GETTERS = new Set(['os.environ.get', 'os.getenv'])
const FUNCTIONS: Record<string, (args: Expr[]) => Expr> = {
  int: (a) => ({ k: 'call', fn: 'Number', args: a.slice(0, 1) }),
  float: (a) => ({ k: 'call', fn: 'Number', args: a.slice(0, 1) }),
  str: (a) => ({ k: 'call', fn: 'String', args: a.slice(0, 1) }),
  min: (a) => ({ k: 'call', fn: 'Math.min', args: a }),
  max: (a) => ({ k: 'call', fn: 'Math.max', args: a }),
}
/** Module constants a config names: Python's ssl.CERT_* for cert_reqs. */
const CONSTANTS: Record<string, number> = { 'ssl.CERT_NONE': 0, 'ssl.CERT_OPTIONAL': 1, 'ssl.CERT_REQUIRED': 2 }
const ARITH: Record<string, BinaryOp> = { '+': '+', '-': '-', '*': '*', '/': '/', '//': '//', '%': '%', '**': '**', or: '||', and: '&&', '==': '==', '!=': '!=' }

type Binding = { kind: 'value'; expr: Expr } | { kind: 'module'; path: string } | { kind: 'function'; line: number }

class Reader {
  readonly scope = new Map<string, Binding>()
  readonly out: ReadFile = { assignments: [], functions: [], notes: [] }
  constructor(readonly src: string) {}

  text(n: SyntaxNode) { return this.src.slice(n.from, n.to) }
  line(pos: number) { let l = 1; for (let i = 0; i < pos; i++) if (this.src.charCodeAt(i) === 10) l++; return l }

  /** The dotted name a callee or attribute stands for once imports are resolved (os.environ.get), if it is one. */
  dotted(n: SyntaxNode): string | undefined {
    if (n.name === 'VariableName') {
      const b = this.scope.get(this.text(n))
      return b?.kind === 'module' ? b.path : b === undefined ? this.text(n) : undefined
    }
    if (n.name === 'MemberExpression' && n.lastChild?.name === 'PropertyName') {
      const base = this.dotted(n.firstChild!)
      return base === undefined ? undefined : `${base}.${this.text(n.lastChild)}`
    }
    return undefined
  }

  expr(n: SyntaxNode | null): Expr {
    if (!n) return unknown('an empty expression')
    switch (n.name) {
      case 'Number': return this.number(this.text(n))
      case 'String': return constant(pythonString(this.text(n)))
      case 'ContinuedString': return fold({ k: 'template', parts: children(n).map((c) => (c.name === 'FormatString' ? this.expr(c) : pythonString(this.text(c)))) })
      case 'FormatString': return this.formatString(n)
      case 'Boolean': return constant(this.text(n) === 'True')
      case 'None': return constant(null)
      case 'ParenthesizedExpression': return this.expr(children(n).find((c) => c.name !== '(' && c.name !== ')') ?? null)
      case 'VariableName': {
        const name = this.text(n)
        const b = this.scope.get(name)
        if (b?.kind === 'value') return b.expr
        if (b?.kind === 'function') return unknown(`uses the function ${name} (line ${b.line}) as a value`)
        return unknown(`uses ${name}, which is not set before this line`)
      }
      case 'UnaryExpression': {
        const [op, arg] = children(n)
        const a = this.expr(arg)
        if (this.text(op) === 'not') return fold({ k: 'not', a })
        return this.text(op) === '-' ? fold({ k: 'neg', a }) : a
      }
      case 'BinaryExpression': {
        const [left, op, right] = children(n)
        const bin = ARITH[this.text(op)]
        if (!bin) return unknown(`uses the operator "${this.text(op)}"`)
        return fold({ k: 'bin', op: bin, a: this.expr(left), b: this.expr(right) })
      }
      case 'ConditionalExpression': {
        const [then, , test, , other] = children(n)
        return fold({ k: 'cond', test: this.expr(test), then: this.expr(then), else: this.expr(other) })
      }
      case 'ArrayExpression': case 'TupleExpression':
        return { k: 'list', items: children(n).filter((c) => !['[', ']', '(', ')', ','].includes(c.name)).map((c) => this.expr(c)) }
      case 'DictionaryExpression': return this.dict(n)
      case 'CallExpression': return this.call(n)
      case 'MemberExpression': {
        const name = this.dotted(n)
        if (name !== undefined && name in CONSTANTS) return constant(CONSTANTS[name])
        // os.environ["NAME"]
        const kids = children(n)
        if (kids[1]?.name === '[' && this.dotted(kids[0]) === 'os.environ') {
          const key = this.expr(kids[2])
          if (key.k === 'const' && typeof key.v === 'string') return { k: 'env', name: key.v }
        }
        return unknown(`reads ${this.text(n)}`)
      }
      default: return unknown(`uses Python that corral does not translate (${this.text(n).slice(0, 40)})`)
    }
  }

  number(t: string): Expr {
    const clean = t.replace(/_/g, '').toLowerCase()
    const v = /^0[xob]/.test(clean) ? Number(clean) : /[jl]$/.test(clean) ? NaN : Number(clean)
    return Number.isFinite(v) ? constant(v) : unknown(`uses the number ${t}`)
  }

  formatString(n: SyntaxNode): Expr {
    const raw = this.text(n)
    const prefix = /^[a-zA-Z]*/.exec(raw)![0]
    const quoteLen = raw.startsWith('"""', prefix.length) || raw.startsWith("'''", prefix.length) ? 3 : 1
    const start = n.from + prefix.length + quoteLen
    const end = n.to - quoteLen
    const parts: (string | Expr)[] = []
    let at = start
    const literal = (from: number, to: number) => {
      const t = this.src.slice(from, to).replace(/\{\{/g, '{').replace(/\}\}/g, '}')
      if (t) parts.push(/r/i.test(prefix) ? t : unescape(t))
    }
    for (const r of children(n).filter((c) => c.name === 'FormatReplacement')) {
      literal(at, r.from)
      const inner = children(r).filter((c) => c.name !== '{' && c.name !== '}')
      if (inner.some((c) => c.name === 'FormatSpec' || c.name === 'FormatConversion')) parts.push(unknown(`formats ${this.text(r)} with a conversion or format spec`))
      else parts.push(this.expr(inner[0] ?? null))
      at = r.to
    }
    literal(at, end)
    return fold({ k: 'template', parts })
  }

  dict(n: SyntaxNode): Expr {
    const kids = children(n).filter((c) => !['{', '}', ','].includes(c.name))
    const entries: [string, Expr][] = []
    for (let i = 0; i < kids.length; i++) {
      if (kids[i].name === '**') return unknown('merges another dict into a dict (**)')
      const key = this.expr(kids[i])
      if (kids[i + 1]?.name !== ':' || key.k !== 'const' || typeof key.v !== 'string') return unknown(`uses a dict whose keys are not all strings (${this.text(n).slice(0, 40)})`)
      entries.push([key.v, this.expr(kids[i + 2])])
      i += 2
    }
    return { k: 'dict', entries }
  }

  call(n: SyntaxNode): Expr {
    const [callee, argList] = children(n)
    const args = children(argList).filter((c) => !['(', ')', ','].includes(c.name))
    if (args.some((a) => a.name === 'AssignOp' || a.name === '*' || a.name === '**')) return unknown(`calls ${this.text(callee)}() with keyword or unpacked arguments`)
    const name = this.dotted(callee)
    const values = args.map((a) => this.expr(a))
    if (name !== undefined && CPU_CALLS.has(name)) return { k: 'cpu' }
    if (name !== undefined && ENV_GETTERS.has(name)) {
      const key = values[0]
      if (key?.k !== 'const' || typeof key.v !== 'string') return unknown(`reads an environment variable whose name is computed (${this.text(n)})`)
      const env: Expr = { k: 'env', name: key.v }
      return values.length > 1 ? { k: 'bin', op: '??', a: env, b: values[1] } : env
    }
    const own = this.scope.get(this.text(callee))
    if (own?.kind === 'function') return unknown(`calls ${this.text(callee)}(), a function of the file (line ${own.line}); corral does not run Python`)
    if (name !== undefined && FUNCTIONS[name] && !this.scope.has(name)) return fold(FUNCTIONS[name](values))
    return unknown(`calls ${this.text(callee)}(), which corral cannot run`)
  }

  /** Imports bind names to modules: `import os`, `import multiprocessing as mp`, `from os import environ`. */
  importStatement(n: SyntaxNode) {
    const kids = children(n)
    if (kids[0].name === 'from') {
      const module = this.text(kids[1])
      for (let i = 3; i < kids.length; i++) {
        if (kids[i].name !== 'VariableName') continue
        const name = this.text(kids[i])
        const alias = kids[i + 1]?.name === 'as' ? this.text(kids[i + 2]) : name
        this.scope.set(alias, { kind: 'module', path: `${module}.${name}` })
        if (alias !== name) i += 2
      }
      return
    }
    for (let i = 1; i < kids.length; i++) {
      if (kids[i].name !== 'VariableName') continue
      // `import os.path` arrives as os . path
      let path = this.text(kids[i])
      while (kids[i + 1]?.name === '.') { path += '.' + this.text(kids[i + 2]); i += 2 }
      const alias = kids[i + 1]?.name === 'as' ? this.text(kids[i + 2]) : path.split('.')[0]
      this.scope.set(alias, { kind: 'module', path: alias === path.split('.')[0] ? path.split('.')[0] : path })
      if (kids[i + 1]?.name === 'as') i += 2
    }
  }

  assign(n: SyntaxNode, condition: string | undefined) {
    const kids = children(n).filter((c) => c.name !== 'TypeDef')
    const ops = kids.filter((c) => c.name === 'AssignOp' || c.name === 'UpdateOp')
    const lastOp = ops.at(-1)!
    const valueNodes = kids.slice(kids.indexOf(lastOp) + 1)
    const line = this.line(n.from)
    const text = this.text(n)
    // a = b = 1 sets both; a, b = 1, 2 unpacks, which we read only as "unknown" for each name.
    const targets = kids.slice(0, kids.indexOf(lastOp)).filter((c) => c.name === 'VariableName').map((c) => this.text(c))
    const unpacking = kids.slice(0, kids.indexOf(lastOp)).some((c) => c.name === ',') || valueNodes.length > 1
    for (const name of targets) {
      let expr: Expr
      if (unpacking) expr = unknown('is set by unpacking several values at once')
      else if (lastOp.name === 'UpdateOp') {
        const op = ARITH[this.text(lastOp).slice(0, -1)]
        const before = this.scope.get(name)
        expr = op && before?.kind === 'value' ? fold({ k: 'bin', op, a: before.expr, b: this.expr(valueNodes[0]) }) : unknown(`updates ${name} with ${this.text(lastOp)}`)
      } else expr = this.expr(valueNodes[0])
      if (condition) expr = unknown(`is set inside ${condition}; which branch runs is known only when Python runs the file`)
      this.scope.set(name, { kind: 'value', expr })
      this.out.assignments.push({ name, expr, line, text })
    }
    if (targets.length === 0) this.out.notes.push({ line, text, why: 'sets an attribute or an item, which no Gunicorn setting is' })
  }

  statements(parent: SyntaxNode, condition?: string) {
    for (const n of children(parent)) {
      switch (n.name) {
        case 'Comment': case ':': break
        case 'ImportStatement': if (!condition) this.importStatement(n); break
        case 'AssignStatement': case 'UpdateStatement': this.assign(n, condition); break
        case 'FunctionDefinition': this.functionDef(n, condition); break
        case 'ExpressionStatement':
          if (children(n)[0]?.name !== 'String') this.out.notes.push({ line: this.line(n.from), text: this.text(n), why: 'runs code when Gunicorn loads the file; corral.config.ts does not need it' })
          break
        case 'IfStatement': case 'ForStatement': case 'WhileStatement': case 'TryStatement': case 'WithStatement': {
          const head = this.lineText(n.from).trim()
          for (const body of children(n).filter((c) => c.name === 'Body')) this.statements(body, `"${head}" (line ${this.line(n.from)})`)
          break
        }
        default:
          this.out.notes.push({ line: this.line(n.from), text: this.text(n).split('\n')[0], why: 'is Python that corral does not translate' })
      }
    }
  }

  functionDef(n: SyntaxNode, condition: string | undefined) {
    const kids = children(n)
    const name = this.text(kids.find((c) => c.name === 'VariableName')!)
    const params = children(kids.find((c) => c.name === 'ParamList')!).filter((c) => c.name === 'VariableName').map((c) => this.text(c))
    const body = kids.find((c) => c.name === 'Body')!
    const line = this.line(n.from)
    this.scope.set(name, { kind: 'function', line })
    // The body starts at its colon: `: pass` on one line, or `:  # comment` and then indented lines.
    const raw = this.src.slice(body.from, body.to)
    const lines = (raw.includes('\n') ? raw.slice(raw.indexOf('\n') + 1) : raw.slice(1).trim()).split('\n')
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length))
    const fn: FunctionDef = { name, params, line, body: lines.map((l) => l.slice(indent)).join('\n').replace(/\s+$/, '').split('\n'), condition }
    this.out.functions.push(fn)
  }

  lineText(pos: number) {
    const start = this.src.lastIndexOf('\n', pos - 1) + 1
    const end = this.src.indexOf('\n', pos)
    return this.src.slice(start, end < 0 ? undefined : end)
  }
}

const children = (n: SyntaxNode | null): SyntaxNode[] => {
  const out: SyntaxNode[] = []
  for (let c = n?.firstChild ?? null; c; c = c.nextSibling) out.push(c)
  return out
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' }
const unescape = (s: string) => s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.|\n)/g, (m, c: string) =>
  c.length > 1 ? String.fromCharCode(parseInt(c.slice(1), 16)) : ESCAPES[c] ?? m)

/** A Python string literal's value: prefixes (r, b, u), single or triple quotes, escapes. */
export function pythonString(literal: string): string {
  const prefix = /^[a-zA-Z]*/.exec(literal)![0]
  const rest = literal.slice(prefix.length)
  const q = rest.startsWith('"""') || rest.startsWith("'''") ? 3 : 1
  const body = rest.slice(q, rest.length - q)
  return /r/i.test(prefix) ? body : unescape(body)
}

export function readPython(src: string): ReadFile {
  const reader = new Reader(src)
  const tree = parser.parse(src)
  // Lezer recovers from syntax errors by inserting error nodes anywhere in the tree; Python would
  // refuse the file, and so do we, at the first one.
  let bad: number | undefined
  tree.iterate({ enter: (n) => { if (bad === undefined && n.type.isError) bad = n.from; return bad === undefined } })
  if (bad !== undefined) throw corralError('CORRAL_ERR_MIGRATE', 'the Python file', `syntax error at line ${reader.line(bad)}: ${JSON.stringify(reader.lineText(bad))}`)
  reader.statements(tree.topNode)
  return reader.out
}

