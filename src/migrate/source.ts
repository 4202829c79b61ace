/**
 * What `corral migrate` reads from a config file and what it writes, shared by the Gunicorn and
 * PM2 translations: a file is read into assignments (name = expression) and functions; a
 * translation turns them into a plan, which write.ts prints as corral.config.ts.
 */
import type { Expr } from './expr.js'
import type { SettingName } from '../config/settings/index.js'
import type { HookName } from '../config/hooks.js'

/** One top-level `name = value` of the source file (the last one of a name wins, as in Python and JS). */
export interface Assignment { name: string; expr: Expr; line: number; text: string }

export interface FunctionDef {
  name: string
  params: string[]
  line: number
  /** The body's lines, dedented, to quote in the output for a person to port. */
  body: string[]
  /** Set when the function is defined inside an if/try block. */
  condition?: string
}

/** A line of the source that is neither a setting nor a function (an import-time print, an attribute set). */
export interface SourceNote { line: number; text: string; why: string }

export interface ReadFile { assignments: Assignment[]; functions: FunctionDef[]; notes: SourceNote[] }

/** Where an output line came from, for its comment: `workers = multiprocessing.cpu_count() * 2 + 1 (line 6)`. */
export interface Origin { text: string; line?: number }

export type Line =
  /** A corral setting with its value as TypeScript; `flagged` ones are written commented out, with the reason. */
  | { kind: 'setting'; setting: SettingName; ts: string; origin: Origin; why?: string; flagged?: string }
  /** A source setting corral has no equivalent for, with the reason. */
  | { kind: 'none'; origin: Origin; why: string }
  /** A source setting corral does by itself, with nothing to set (PM2's exec_mode: 'cluster'). */
  | { kind: 'builtin'; origin: Origin; why: string }
  /** A hook: its source name, corral's name (if any), and the body to port by hand. */
  | { kind: 'hook'; hook: HookName | undefined; signature: string; origin: Origin; body: string[]; why: string }

export interface Plan {
  /** "gunicorn.conf.py" or "ecosystem.config.js (app api)": the header says it. */
  from: string
  lines: Line[]
  /** Environment variables the source set for the app (PM2's env, Gunicorn's raw_env), written as process.env assignments. */
  env: { name: string; ts: string; origin: Origin }[]
  /** Things the reader wants said once at the end: names that are no settings, code that ran at load. */
  notes: string[]
}

/** The last assignment of each name, in the order the names first appear. */
export function finalAssignments(read: ReadFile): Assignment[] {
  const last = new Map<string, Assignment>()
  for (const a of read.assignments) last.set(a.name, a)
  const order = [...new Set(read.assignments.map((a) => a.name))]
  return order.map((n) => last.get(n)!)
}
