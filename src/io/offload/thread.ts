/**
 * What each offload thread runs: import the task's module (once per thread; a .ts one loads as
 * the app does, app/import.ts), call the named export with the task's arguments, and hand back
 * its result. A thrown error crosses as plain data (error.ts), since a thread boundary keeps only
 * an Error's message and stack.
 */
import { Piscina } from 'piscina'
import { importModule } from '../../app/import.js'
import { corralError } from '../../errors.js'
import { errorToData } from './error.js'
import { ownsBuffer, TRANSFER } from './transfer.js'

export interface OffloadTask {
  /** A file path (absolute). */
  module: string
  /** The export to call; '' only imports the module (prepareOffload). */
  name: string
  args: unknown[]
}

const here = import.meta.url
// Frames of this runner, of piscina and of Node's internals say nothing about the task.
const plumbing = (line: string) => line.includes(here) || /node_modules[\\/]piscina[\\/]|\(node:internal|at node:internal/.test(line)

const modules = new Map<string, Promise<Record<string, unknown>>>()

function load(path: string): Promise<Record<string, unknown>> {
  let mod = modules.get(path)
  if (!mod) {
    mod = importModule(path)
    modules.set(path, mod)
    // A module that failed to load is tried again by the next task (a file being deployed).
    mod.catch(() => { if (modules.get(path) === mod) modules.delete(path) })
  }
  return mod
}

async function taskFunction(task: OffloadTask): Promise<(...args: unknown[]) => unknown> {
  let mod: Record<string, unknown>
  try {
    mod = await load(task.module)
  } catch (err) {
    throw corralError('CORRAL_ERR_OFFLOAD_TASK', task.module, `cannot load it: ${(err as Error)?.stack ?? err}`)
  }
  if (task.name === '') return () => undefined
  const fn = mod[task.name]
  if (typeof fn !== 'function') {
    const have = Object.keys(mod).filter((k) => typeof mod[k] === 'function').join(', ') || 'none'
    throw corralError('CORRAL_ERR_OFFLOAD_TASK', task.module, `it has no exported function ${JSON.stringify(task.name)} (its functions: ${have})`)
  }
  return fn as (...args: unknown[]) => unknown
}

function moved(result: unknown): unknown {
  if (typeof result !== 'object' || result === null || !(TRANSFER in result)) return result
  delete (result as { [TRANSFER]?: true })[TRANSFER]
  if (result instanceof ArrayBuffer || (ArrayBuffer.isView(result) && ownsBuffer(result))) return Piscina.move(result as ArrayBuffer)
  return result
}

export default async function run(task: OffloadTask): Promise<unknown> {
  try {
    const fn = await taskFunction(task)
    return moved(await fn(...task.args))
  } catch (err) {
    throw errorToData(err, plumbing)
  }
}
