/**
 * corral's public API: defineConfig and the types an app and a config file need.
 * The I/O toolkit is `corral/io`.
 */
import { cpuBudget } from './config/cpus.js'
import type { Hooks } from './config/hooks.js'
import type { SettingName } from './config/settings/index.js'

export type { RequestContext, FetchHandler, ClientCertificate, UpgradeListener } from './app/types.js'
export type { Hooks, ServerView, WorkerView, RequestView, ResponseView, ExitView } from './config/hooks.js'
export type { Settings, SettingName } from './config/settings/index.js'
export { codes, type ErrorCode, type CorralError } from './errors.js'

/**
 * The CPUs this process may use, as a whole number: the container's cgroup quota where there is
 * one (a quota of 1.5 counts as 2, as --workers auto does), else the CPUs it may run on. For a
 * config file that computes from it (`workers: cpuCount() * 2`); `corral migrate` writes it for
 * Python's multiprocessing.cpu_count(), which counts the host's CPUs instead.
 */
export function cpuCount(): number {
  return Math.max(1, Math.ceil(cpuBudget().cpus))
}

/**
 * What corral.config.ts may export: any setting (as a config value: numbers, strings, arrays) and
 * any hook. Values are validated when corral loads the file, with the same rules as flags and env.
 */
export type ConfigFile = { [K in SettingName]?: string | number | boolean | null | readonly string[] } & Hooks

export function defineConfig<const C extends ConfigFile>(config: C): C {
  return config
}
