/**
 * A task's error, across the thread boundary. Structured cloning keeps an Error's message and
 * stack but drops its class, its `code` and every other property, so the thread sends plain data
 * and the caller's side builds the error again: same name, message, code and own fields, and a
 * stack that reads from the line that threw in the task down to the offload() call that ran it.
 */
const MARK = 'corralOffloadError'

export interface OffloadErrorData {
  [MARK]: true
  name: string
  message: string
  stack: string | undefined
  fields: Record<string, unknown>
  cause?: OffloadErrorData
}

const BUILTIN: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError }

function cloneable(value: unknown): boolean {
  try { structuredClone(value); return true } catch { return false }
}

/** `drop` says which stack lines are the thread's own plumbing (the runner, piscina), left out. */
export function errorToData(err: unknown, drop: (line: string) => boolean = () => false, depth = 0): OffloadErrorData {
  if (!(err instanceof Error)) {
    return { [MARK]: true, name: 'Error', message: `the task threw a non-Error value: ${String(err)}`, stack: undefined, fields: {} }
  }
  const fields: Record<string, unknown> = {}
  for (const key of Object.keys(err)) {
    const value = (err as unknown as Record<string, unknown>)[key]
    if (key !== 'cause' && cloneable(value)) fields[key] = value
  }
  const stack = err.stack?.split('\n').filter((line) => !drop(line)).join('\n')
  const data: OffloadErrorData = { [MARK]: true, name: err.name, message: err.message, stack, fields }
  if (err.cause !== undefined && depth < 4) data.cause = errorToData(err.cause, drop, depth + 1)
  return data
}

export const isErrorData = (value: unknown): value is OffloadErrorData =>
  typeof value === 'object' && value !== null && (value as Record<string, unknown>)[MARK] === true

/** The task's error again, its stack followed by the caller's (`callerStack`: the frames below offload()). */
export function dataToError(data: OffloadErrorData, callerStack: string): Error {
  const Make = BUILTIN[data.name] ?? Error
  const err = new Make(data.message)
  if (err.name !== data.name) Object.defineProperty(err, 'name', { value: data.name, configurable: true, writable: true, enumerable: false })
  Object.assign(err, data.fields)
  if (data.cause) (err as { cause?: unknown }).cause = dataToError(data.cause, '')
  err.stack = `${data.stack ?? `${data.name}: ${data.message}`}${callerStack ? `\n    at offload (corral/io)${callerStack}` : ''}`
  return err
}
