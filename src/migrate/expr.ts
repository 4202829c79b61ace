/**
 * A value read from a config file without running it: a constant, or an expression over the few
 * things a server config computes from (the CPU count, environment variables), or "unknown" with
 * the reason. Both readers (Python for Gunicorn, JavaScript for PM2) build these; the writer turns
 * them into TypeScript for corral.config.ts. Nothing here evaluates the user's code: an expression
 * is only folded when every part of it is a constant.
 */

export type Const = number | string | boolean | null
export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '??' | '||' | '&&' | '==' | '!='
export type Fn = 'Number' | 'String' | 'Math.max' | 'Math.min' | 'Math.floor'

export type Expr =
  | { k: 'const'; v: Const }
  /** The CPUs this machine may use (Python's multiprocessing.cpu_count(), Node's os.cpus().length). */
  | { k: 'cpu' }
  /** An environment variable: a string, or undefined when it is not set. */
  | { k: 'env'; name: string }
  | { k: 'neg'; a: Expr }
  | { k: 'not'; a: Expr }
  | { k: 'bin'; op: BinaryOp; a: Expr; b: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr }
  | { k: 'call'; fn: Fn; args: Expr[] }
  | { k: 'template'; parts: (string | Expr)[] }
  | { k: 'list'; items: Expr[] }
  | { k: 'dict'; entries: [string, Expr][] }
  | { k: 'unknown'; why: string }

export const constant = (v: Const): Expr => ({ k: 'const', v })
export const unknown = (why: string): Expr => ({ k: 'unknown', why })

/** The first reason an expression cannot be translated, or undefined when it can. */
export function unknownIn(e: Expr): string | undefined {
  switch (e.k) {
    case 'unknown': return e.why
    case 'neg': case 'not': return unknownIn(e.a)
    case 'bin': return unknownIn(e.a) ?? unknownIn(e.b)
    case 'cond': return unknownIn(e.test) ?? unknownIn(e.then) ?? unknownIn(e.else)
    case 'call': case 'list': return firstOf(e.k === 'call' ? e.args : e.items)
    case 'template': return firstOf(e.parts.filter((p): p is Expr => typeof p !== 'string'))
    case 'dict': return firstOf(e.entries.map(([, v]) => v))
    default: return undefined
  }
}
const firstOf = (list: Expr[]) => list.map(unknownIn).find((w) => w !== undefined)

/** Whether the expression reads the CPU count or the environment (so it is computed when corral loads the file). */
export function reads(e: Expr): { cpu: boolean; env: string[] } {
  const out = { cpu: false, env: [] as string[] }
  const walk = (x: Expr) => {
    if (x.k === 'cpu') out.cpu = true
    else if (x.k === 'env') out.env.push(x.name)
    else if (x.k === 'neg' || x.k === 'not') walk(x.a)
    else if (x.k === 'bin') { walk(x.a); walk(x.b) }
    else if (x.k === 'cond') { walk(x.test); walk(x.then); walk(x.else) }
    else if (x.k === 'call') x.args.forEach(walk)
    else if (x.k === 'list') x.items.forEach(walk)
    else if (x.k === 'template') x.parts.forEach((p) => typeof p !== 'string' && walk(p))
    else if (x.k === 'dict') x.entries.forEach(([, v]) => walk(v))
  }
  walk(e)
  return out
}

type Env = { cpus: number; env: Record<string, string | undefined> }

/**
 * The value of an expression for a given CPU count and environment (undefined for unknown parts).
 * Used to compare a computed worker count with corral's own "auto" at several CPU counts, and to
 * fold constants; never to run anything from the file.
 */
export function valueOf(e: Expr, at: Env): unknown {
  switch (e.k) {
    case 'const': return e.v
    case 'cpu': return at.cpus
    case 'env': return at.env[e.name]
    case 'neg': return -(valueOf(e.a, at) as number)
    case 'not': return !valueOf(e.a, at)
    case 'cond': return valueOf(e.test, at) ? valueOf(e.then, at) : valueOf(e.else, at)
    case 'list': return e.items.map((i) => valueOf(i, at))
    case 'dict': return Object.fromEntries(e.entries.map(([k, v]) => [k, valueOf(v, at)]))
    case 'template': return e.parts.map((p) => (typeof p === 'string' ? p : String(valueOf(p, at)))).join('')
    case 'unknown': return undefined
    case 'call': {
      const args = e.args.map((a) => valueOf(a, at)) as number[]
      if (e.fn === 'Number') return Number(args[0])
      if (e.fn === 'String') return String(args[0])
      if (e.fn === 'Math.floor') return Math.floor(args[0])
      return e.fn === 'Math.max' ? Math.max(...args) : Math.min(...args)
    }
    case 'bin': {
      const a = valueOf(e.a, at) as any
      const b = valueOf(e.b, at) as any
      switch (e.op) {
        case '+': return a + b
        case '-': return a - b
        case '*': return a * b
        case '/': return a / b
        case '//': return Math.floor(a / b)
        case '%': return a % b
        case '**': return a ** b
        case '??': return a ?? b
        case '||': return a || b
        case '&&': return a && b
        case '==': return a === b
        case '!=': return a !== b
      }
    }
  }
}

/** Fold an expression whose parts are all constants into one constant; leave others as they are. */
export function fold(e: Expr): Expr {
  const r = reads(e)
  if (r.cpu || r.env.length > 0 || unknownIn(e) !== undefined) return e
  if (e.k === 'list' || e.k === 'dict') return e
  const v = valueOf(e, { cpus: 1, env: {} })
  return v === undefined || typeof v === 'object' && v !== null ? e : constant(v as Const)
}

const PRECEDENCE: Record<BinaryOp, number> = { '??': 1, '||': 2, '&&': 3, '==': 4, '!=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '//': 6, '%': 6, '**': 7 }

/** TypeScript source for an expression; `cpuCount()` is corral's export of the same name. */
export function toTs(e: Expr, outer = 0): string {
  const wrap = (text: string, own: number) => (own < outer ? `(${text})` : text)
  switch (e.k) {
    case 'const': return typeof e.v === 'string' ? quote(e.v) : String(e.v)
    case 'cpu': return 'cpuCount()'
    case 'env': return /^[A-Za-z_]\w*$/.test(e.name) ? `process.env.${e.name}` : `process.env[${quote(e.name)}]`
    case 'neg': return wrap(`-${toTs(e.a, 8)}`, 8)
    case 'not': return wrap(`!${toTs(e.a, 8)}`, 8)
    case 'cond': return wrap(`${toTs(e.test, 1)} ? ${toTs(e.then, 1)} : ${toTs(e.else, 1)}`, 0)
    case 'call': return `${e.fn}(${e.args.map((a) => toTs(a)).join(', ')})`
    case 'list': return `[${e.items.map((i) => toTs(i)).join(', ')}]`
    case 'dict': return `{ ${e.entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${toTs(v)}`).join(', ')} }`
    case 'unknown': return 'undefined'
    case 'template': {
      if (e.parts.every((p) => typeof p === 'string')) return quote(e.parts.join(''))
      return '`' + e.parts.map((p) => (typeof p === 'string' ? p.replace(/[`\\$]/g, (c) => '\\' + c) : `\${${toTs(p)}}`)).join('') + '`'
    }
    case 'bin': {
      const own = PRECEDENCE[e.op]
      if (e.op === '//') return `Math.floor(${toTs(e.a, 6)} / ${toTs(e.b, 7)})`
      const op = e.op === '==' ? '===' : e.op === '!=' ? '!==' : e.op
      // ** is right-associative, and JavaScript refuses a bare unary minus on its left.
      const left = e.op === '**' ? toTs(e.a, 9) : toTs(e.a, own)
      const right = e.op === '**' ? toTs(e.b, own) : toTs(e.b, own + 1)
      // ?? may not sit beside || or && without parentheses.
      const mixed = (x: Expr) => x.k === 'bin' && (x.op === '||' || x.op === '&&')
      const l = e.op === '??' && mixed(e.a) ? `(${toTs(e.a)})` : left
      const r = e.op === '??' && mixed(e.b) ? `(${toTs(e.b)})` : right
      return wrap(`${l} ${op} ${r}`, own)
    }
  }
}

export const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
