/**
 * Node >= 22.1 can keep what it compiled between runs (module.enableCompileCache): V8's code for
 * corral and the app's modules and, for TypeScript stripped natively, the stripped source. A worker
 * that boots after the first one (a restart, a reload, a recycle, the next deploy of unchanged
 * files) then neither compiles them again nor loads the type stripper: on Node 26 a warm cache took
 * importing a .ts app from about 225 ms and 18 MB of RSS to 1 ms and 2 MB (bench/boot.ts).
 *
 * The cache lives where Node puts it (NODE_COMPILE_CACHE, or a folder under the OS's temporary
 * directory), keyed by Node version and file content, so a changed file is compiled afresh.
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off; where the folder cannot be written Node carries on
 * without it. Node 20 has no compile cache: nothing happens there.
 */
import module from 'node:module'

export function enableCompileCache(): void {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
}
