/**
 * Where the master keeps the TypeScript it compiled ahead (compile-ahead.ts): this folder of the
 * app's package. A module of its own, so that the watchdog thread can tell a compiled file in a
 * stack without loading the compiler's module.
 */
export const COMPILED_CACHE = ['node_modules', '.cache', 'corral', 'ts'] as const

const MARK = `/${COMPILED_CACHE.join('/')}/`

/** Whether a script URL is one of the compiled files. */
export const isCompiledUrl = (url: string): boolean => url.includes(MARK)
