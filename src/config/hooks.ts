/**
 * Gunicorn's server hooks, camelCased, declared once: the type, the config loader's validation and
 * the docs all come from this list. Master hooks run in the arbiter; worker hooks run in each worker.
 */
export const masterHooks = ['onStarting', 'onReload', 'whenReady', 'preFork', 'childExit', 'nworkersChanged', 'onExit'] as const
export const workerHooks = ['postFork', 'postWorkerInit', 'workerInt', 'workerAbort', 'preRequest', 'postRequest', 'workerExit'] as const
export const hookNames = [...masterHooks, ...workerHooks] as const

export type HookName = (typeof hookNames)[number]

/** What master hooks see of the server. */
export interface ServerView {
  readonly settings: Readonly<Record<string, unknown>>
  readonly generation: number
  workers(): readonly WorkerView[]
}

/** What hooks see of one worker. */
export interface WorkerView {
  readonly id: number
  readonly pid: number
  readonly generation: number
}

export interface RequestView { readonly id: string; readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string | string[] | undefined>> }
export interface ResponseView { readonly status: number; readonly durationMs: number }
export interface ExitView extends WorkerView { readonly code: number | null; readonly signal: string | null; readonly reason: string }

type Async = void | Promise<void>

export interface Hooks {
  onStarting?(server: ServerView): Async
  onReload?(server: ServerView): Async
  whenReady?(server: ServerView): Async
  preFork?(server: ServerView, worker: WorkerView): Async
  childExit?(server: ServerView, worker: ExitView): Async
  nworkersChanged?(server: ServerView, now: number, before: number): Async
  onExit?(server: ServerView): Async
  postFork?(worker: WorkerView): Async
  postWorkerInit?(worker: WorkerView): Async
  workerInt?(worker: WorkerView): Async
  workerAbort?(worker: WorkerView): Async
  preRequest?(worker: WorkerView, req: RequestView): Async
  postRequest?(worker: WorkerView, req: RequestView, res: ResponseView): Async
  workerExit?(worker: WorkerView): Async
}

type HookArgs<K extends HookName> = Parameters<NonNullable<Hooks[K]>>

/**
 * Run a hook if the config defines it. While serving, an error is logged with the hook's name and
 * swallowed (a hook must not take the server down); with `atBoot`, it is thrown as
 * CORRAL_ERR_HOOK so startup stops with a clear message.
 */
export async function callHook<K extends HookName>(
  hooks: Hooks, name: K, log: { error(obj: object, msg: string): void }, atBoot: boolean, ...args: HookArgs<K>
): Promise<void> {
  const fn = hooks[name] as ((...a: HookArgs<K>) => unknown) | undefined
  if (!fn) return
  try {
    await fn(...args)
  } catch (err) {
    if (atBoot) {
      const { corralError } = await import('../errors.js')
      throw corralError('CORRAL_ERR_HOOK', name, (err as Error)?.stack ?? String(err))
    }
    log.error({ err, hook: name }, `CORRAL_ERR_HOOK: hook ${name} failed; the server goes on`)
  }
}
