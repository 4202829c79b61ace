/**
 * Loading the config: defaults < corral.config.ts < env < CLI, recording which source set each
 * value (for `print-config --explain`). Everything is validated here, at the edge, then frozen:
 * code past this point trusts its config.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { corralError } from '../errors.js'
import { importModule } from '../app/import.js'
import { Invalid } from './parse.js'
import type { Setting } from './setting.js'
import { settingList, settings as table, type SettingName, type Settings } from './settings/index.js'
import { hookNames, type HookName, type Hooks } from './hooks.js'

export interface Config {
  readonly settings: Settings
  /** For each setting: "default", "file corral.config.ts", "env CORRAL_WORKERS" or "cli --workers". */
  readonly sources: Readonly<Record<SettingName, string>>
  readonly hooks: Readonly<Hooks>
  readonly file: string | null
}

export const DEFAULT_CONFIG_FILES = ['corral.config.ts', 'corral.config.mts', 'corral.config.js', 'corral.config.mjs']

type Raw = { value: unknown; source: string }

const byFlag = new Map<string, Setting<unknown>>()
for (const s of settingList) for (const flag of s.cli) byFlag.set(flag, s)

function parseValue(setting: Setting<unknown>, raw: Raw): unknown {
  try {
    return setting.parse.parse(raw.value)
  } catch (err) {
    if (!(err instanceof Invalid)) throw err
    const shown = typeof raw.value === 'string' ? JSON.stringify(raw.value) : String(raw.value)
    throw corralError('CORRAL_ERR_SETTING', setting.name, setting.parse.expected, `${shown} (from ${raw.source})`)
  }
}

/** Split argv into raw values per setting. Boolean flags take no value; `--no-x` sets false. */
export function readArgv(argv: readonly string[]): Map<SettingName, Raw[]> {
  const out = new Map<SettingName, Raw[]>()
  const push = (s: Setting<unknown>, value: unknown, source: string) => {
    const list = out.get(s.name as SettingName) ?? []
    list.push({ value, source })
    out.set(s.name as SettingName, list)
  }
  const positional = settingList.find((s) => s.positional)!
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('-') || arg === '-') {
      push(positional, arg, 'cli argument')
      continue
    }
    const eq = arg.indexOf('=')
    let flag = eq > 0 ? arg.slice(0, eq) : arg
    let negated = false
    if (!byFlag.has(flag) && flag.startsWith('--no-') && byFlag.get('--' + flag.slice(5))?.boolean) {
      flag = '--' + flag.slice(5)
      negated = true
    }
    const setting = byFlag.get(flag)
    if (!setting) throw corralError('CORRAL_ERR_UNKNOWN_SETTING', flag, 'the command line', ' (see corral --help)')
    if (setting.boolean && eq < 0) {
      push(setting, !negated, `cli ${flag}`)
    } else {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i]
      if (value === undefined) throw corralError('CORRAL_ERR_USAGE', `${flag} needs a value: ${setting.parse.expected}`)
      push(setting, value, `cli ${flag}`)
    }
  }
  return out
}

function readEnv(env: NodeJS.ProcessEnv): Map<SettingName, Raw> {
  const out = new Map<SettingName, Raw>()
  for (const s of settingList) {
    const name = s.env.find((e) => env[e] !== undefined && env[e] !== '')
    if (name) out.set(s.name as SettingName, { value: env[name], source: `env ${name}` })
  }
  return out
}

/** Files this process has read: a second read (a reload) must import the file afresh, not from the module cache. */
const read = new Set<string>()

async function readFile(path: string, ahead?: readonly string[]): Promise<{ values: Map<SettingName, Raw>; hooks: Hooks }> {
  let mod: Record<string, unknown>
  try {
    const again = read.has(path)
    read.add(path)
    const compiled = !again && ahead && await (await import('../app/compile-ahead.js')).importCompiled(path, ahead)
    mod = compiled || await importModule(path, again)
  } catch (err) {
    throw corralError('CORRAL_ERR_CONFIG_LOAD', path, (err as Error)?.stack ?? String(err))
  }
  const exported = (mod.default ?? mod.config) as Record<string, unknown> | undefined
  if (!exported || typeof exported !== 'object') {
    throw corralError('CORRAL_ERR_CONFIG_LOAD', path, 'it has no default export (export default defineConfig({...}))')
  }
  const values = new Map<SettingName, Raw>()
  const hooks: Hooks = {}
  const source = `file ${path}`
  for (const [key, value] of Object.entries(exported)) {
    if ((hookNames as readonly string[]).includes(key)) {
      if (typeof value !== 'function') throw corralError('CORRAL_ERR_SETTING', key, 'a function (it is a hook)', `${typeof value} (from ${source})`)
      hooks[key as HookName] = value as never
    } else if (key in table) {
      values.set(key as SettingName, { value, source })
    } else {
      throw corralError('CORRAL_ERR_UNKNOWN_SETTING', JSON.stringify(key), source, '; settings are listed in docs/settings.md')
    }
  }
  return { values, hooks }
}

/**
 * The hooks of a config file, for a worker (whose settings come from the arbiter, already checked);
 * `ahead` as loadApp's (app/compile-ahead.ts).
 */
export async function loadHooks(file: string, ahead?: readonly string[]): Promise<Hooks> {
  return (await readFile(file, ahead)).hooks
}

export interface LoadOptions {
  argv?: readonly string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export async function loadConfig({ argv = [], env = process.env, cwd = process.cwd() }: LoadOptions = {}): Promise<Config> {
  const cli = readArgv(argv)
  const fromEnv = readEnv(env)

  const chosen = cli.get('config')?.at(-1) ?? fromEnv.get('config')
  let file: string | null = null
  if (chosen) {
    const path = parseValue(table.config, chosen) as string | null
    if (path !== null) {
      file = resolve(cwd, path)
      if (!existsSync(file)) throw corralError('CORRAL_ERR_CONFIG_LOAD', file, 'no such file')
    }
  } else {
    const found = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find(existsSync)
    file = found ?? null
  }
  const fromFile = file ? await readFile(file) : { values: new Map<SettingName, Raw>(), hooks: {} }

  const values: Record<string, unknown> = {}
  const sources: Record<string, string> = {}
  for (const s of settingList) {
    const name = s.name as SettingName
    const given = cli.get(name)
    let raw: Raw | undefined
    if (given && s.repeatable) {
      // Repeated flags accumulate: --bind a --bind b is two addresses.
      raw = { value: given.flatMap((g) => (Array.isArray(g.value) ? g.value : [g.value])), source: given[0].source }
    } else {
      raw = given?.at(-1) ?? fromEnv.get(name) ?? fromFile.values.get(name)
    }
    values[name] = raw ? parseValue(s, raw) : s.default
    sources[name] = raw ? raw.source : 'default'
  }
  if (file) sources.config = sources.config === 'default' ? 'found in the working directory' : sources.config
  values.config = file
  if (typeof values.app === 'string' && values.app !== '') values.app = resolveAppSpec(values.app as string, cwd)

  return Object.freeze({
    settings: Object.freeze(values) as Settings,
    sources: Object.freeze(sources) as Record<SettingName, string>,
    hooks: Object.freeze(fromFile.hooks),
    file,
  })
}

/** `app.ts:api` → absolute path plus export name; the path part is resolved against cwd. */
export function resolveAppSpec(spec: string, cwd: string): string {
  const m = /^(.*?)(?::([A-Za-z_$][\w$]*))?$/.exec(spec)!
  const path = resolve(cwd, m[1])
  return m[2] ? `${path}:${m[2]}` : path
}

export function splitAppSpec(spec: string): { path: string; exportName: string | undefined; url: string } {
  const m = /^(.*?)(?::([A-Za-z_$][\w$]*))?$/.exec(spec)!
  return { path: m[1], exportName: m[2], url: pathToFileURL(m[1]).href }
}
