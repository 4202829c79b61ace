/**
 * offload(): run one exported function of a module on the worker's thread pool and await its
 * result, so CPU-heavy or blocking work (a password hash, an image resize, a large parse, a
 * synchronous library) leaves the event loop free for the worker's other requests. It is Python's
 * `loop.run_in_executor(executor, fn, *args)`; a function cannot cross into a thread, so the task
 * is named by module and export, and its arguments and result are copied (structured clone) or
 * moved (transfer lists).
 *
 *   const key = await offload(new URL('./tasks.ts', import.meta.url), 'hash', [password], { signal: ctx.signal })
 *
 * The pool is the worker's one pool, started on the first call and closed when the worker exits;
 * its size and queue come from the settings (plan.ts). See docs/io/offload.md.
 */
import { basename, isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MessagePort, TransferListItem } from 'node:worker_threads'
import { corralError } from '../../errors.js'
import type { ThreadPool } from '../../threads/pool.js'
import { onClose } from '../lifecycle.js'
import { dataToError, isErrorData } from './error.js'
import { countTask, watchPool } from './metrics.js'
import { offloadPlan } from './plan.js'
import type { OffloadTask } from './thread.js'
import { ownsBuffer } from './transfer.js'

export interface OffloadOptions {
  /** Pass ctx.signal: a task still waiting is dropped when it aborts; a running one is abandoned. */
  signal?: AbortSignal
  /**
   * Buffers to move to the thread instead of copying (large inputs). They are unusable here
   * afterwards. A typed array moves its whole buffer, so it must own it (not a slice of a larger one).
   */
  transfer?: readonly (ArrayBuffer | ArrayBufferView | MessagePort)[]
}

/** The result a task function gives, once awaited. */
type Result<F> = F extends (...args: any[]) => infer R ? Awaited<R> : never
type Args<F> = F extends (...args: infer A) => unknown ? A : never

/** A task module's functions, each run on the pool: `tasks.hash([password], { signal })`. */
export type Offloaded<M> = {
  readonly [K in keyof M as M[K] extends (...args: any[]) => unknown ? K : never]: (args: Args<M[K]>, options?: OffloadOptions) => Promise<Result<M[K]>>
}

let pool: Promise<ThreadPool> | undefined
const paths = new Map<string, string>()

// piscina is loaded by the first offload() (an app that imports corral/io and never offloads
// does not pay for it), and one pool is made however many calls arrive while it loads.
function poolNow(): Promise<ThreadPool> {
  if (!pool) {
    const making = makePool()
    pool = making
    // A pool that could not start is tried again by the next call.
    making.catch(() => { if (pool === making) pool = undefined })
  }
  return pool
}

async function makePool(): Promise<ThreadPool> {
  const { ThreadPool } = await import('../../threads/pool.js')
  const plan = offloadPlan()
  const made = new ThreadPool({
    filename: fileURLToPath(new URL('./thread.js', import.meta.url)),
    threads: plan.threads,
    maxQueue: plan.queue,
    abandonMs: plan.abandonMs,
    onSettled: (task, s) => countTask(labelOf(task as OffloadTask), s.outcome, s.waitMs, s.runMs),
  })
  const mine = pool
  watchPool(made)
  onClose('offload pool', async () => {
    if (pool === mine) { pool = undefined; watchPool(undefined) }
    await made.close()
  })
  return made
}

function labelOf(task: OffloadTask): string {
  return `${basename(task.module)}:${task.name || "(prepare)"}`
}

/** An absolute path from what the caller gave; relative paths are refused: relative to what? */
function modulePath(module: string | URL): string {
  const key = String(module)
  let path = paths.get(key)
  if (path !== undefined) return path
  if (module instanceof URL || key.startsWith('file:')) {
    try { path = fileURLToPath(module) } catch { path = undefined }
  } else if (isAbsolute(key)) path = key
  if (path === undefined) {
    throw corralError('CORRAL_ERR_IO_OPTION', 'offload()', 'module', 'an absolute path or a file: URL, e.g. new URL(\'./tasks.ts\', import.meta.url)', JSON.stringify(key))
  }
  if (paths.size < 1000) paths.set(key, path)
  return path
}

function transferList(items: OffloadOptions['transfer']): TransferListItem[] | undefined {
  if (!items || items.length === 0) return undefined
  return items.map((item) => {
    if (ArrayBuffer.isView(item)) {
      if (!ownsBuffer(item)) {
        throw corralError('CORRAL_ERR_IO_OPTION', 'offload()', 'transfer', 'buffers, or views that cover their whole buffer (a small Buffer is a slice of a shared one: copy it, or leave it out of transfer)', `a ${item.constructor.name} of ${item.byteLength} bytes at offset ${item.byteOffset} in a buffer of ${item.buffer.byteLength}`)
      }
      return item.buffer as ArrayBuffer
    }
    return item
  })
}

export function offload<R = unknown>(module: string | URL, name: string, args: readonly unknown[] = [], options: OffloadOptions = {}): Promise<R> {
  return run(modulePath(module), name, args, options, offload) as Promise<R>
}

async function run(path: string, name: string, args: readonly unknown[], options: OffloadOptions, caller: Function): Promise<unknown> {
  if (typeof name !== 'string' || (name === '' && caller !== prepareOffload)) throw corralError('CORRAL_ERR_IO_OPTION', 'offload()', 'name', 'the name of a function the module exports', JSON.stringify(name))
  if (!Array.isArray(args)) throw corralError('CORRAL_ERR_IO_OPTION', 'offload()', 'args', 'an array of the arguments', typeof args)
  const task: OffloadTask = { module: path, name, args: args as unknown[] }
  // Where the caller is, for an error that comes back: the task's own stack ends in a thread.
  const here: { stack?: string } = {}
  Error.captureStackTrace(here, caller)
  try {
    return await (await poolNow()).run(task, { signal: options.signal, transfer: transferList(options.transfer) })
  } catch (err) {
    if (isErrorData(err)) throw dataToError(err, here.stack?.slice(here.stack.indexOf('\n')) ?? '')
    throw err
  }
}

/**
 * Start the worker's pool now and import `module` in each of its threads, so the first requests
 * do not wait for threads to boot and modules to load (a .ts module through tsx on Node 20 takes
 * the longest). Await it in the app's `ready` export: the worker is ready only once it resolves.
 */
export async function prepareOffload(module: string | URL): Promise<void> {
  const path = modulePath(module)
  const { threads } = await poolNow()
  await Promise.all(Array.from({ length: threads }, () => run(path, '', [], {}, prepareOffload)))
}

/** The functions of a task module, typed from it: `offloadModule<typeof import('./tasks.js')>(url).hash([pw], { signal })`. */
export function offloadModule<M extends object>(module: string | URL): Offloaded<M> {
  const path = modulePath(module)
  const calls = new Map<string, (args: readonly unknown[], options?: OffloadOptions) => Promise<unknown>>()
  return new Proxy({}, {
    get(_, name) {
      if (typeof name !== 'string' || name === 'then') return undefined
      let call = calls.get(name)
      if (!call) calls.set(name, (call = function offloaded(args, options) { return run(path, name, args, options ?? {}, offloaded) }))
      return call
    },
  }) as Offloaded<M>
}
