/**
 * A setting is declared once, as data. The CLI parser, env parsing, `corral check`,
 * `print-config --explain`, `--help` and docs/settings.md are all derived from the table
 * (the idea is Gunicorn's `Setting`, with the env column it lacked).
 */
import type { Parser } from './parse.js'

export interface Setting<T> {
  /** Key in corral.config.ts and in the frozen config object (camelCase). */
  name: string
  section: string
  /** Flags; the first long one is canonical. Derived from the name unless given. */
  cli: readonly string[]
  /** Env vars, first wins. `CORRAL_<NAME>` unless given. */
  env: readonly string[]
  parse: Parser<T>
  default: T
  doc: string
  /** A flag that may be given several times; values accumulate into an array. */
  repeatable: boolean
  /** A boolean flag that takes no value on the command line. */
  boolean: boolean
  /** The positional argument of `serve`/`check`. */
  positional: boolean
}

export interface SettingSpec<T> {
  parse: Parser<T>
  default: T
  doc: string
  cli?: readonly string[]
  env?: readonly string[]
  repeatable?: boolean
  positional?: boolean
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
const screaming = (name: string) => name.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()

/** Declare the settings of one section; names come from the object keys. */
export function section<S extends Record<string, SettingSpec<any>>>(
  name: string,
  specs: S,
): { [K in keyof S]: Setting<ReturnType<S[K]['parse']['parse']>> } {
  const out: Record<string, Setting<unknown>> = {}
  for (const [key, spec] of Object.entries(specs) as [string, SettingSpec<unknown>][]) {
    out[key] = {
      name: key,
      section: name,
      cli: spec.cli ?? ['--' + kebab(key)],
      env: spec.env ?? ['CORRAL_' + screaming(key)],
      parse: spec.parse,
      default: spec.default,
      doc: spec.doc.replace(/\s*\n\s*/g, ' ').trim(),
      repeatable: spec.repeatable ?? false,
      boolean: spec.parse.kind === 'boolean',
      positional: spec.positional ?? false,
    }
  }
  return out as { [K in keyof S]: Setting<ReturnType<S[K]['parse']['parse']>> }
}
