/**
 * Loading the app module and turning its export into a Serve function. Accepted exports, tried in
 * this order: a Fastify instance; an object with a fetch(request, ctx) method (a Hono app is one);
 * a Node (req, res) listener (an Express app is one); an async factory (no parameters) returning
 * any of these. Without an explicit `module:name`, the default export is used, then one named `app`.
 */
import { corralError } from '../errors.js'
import { importModule } from './import.js'
import { fetchAdapter } from './fetch.js'
import { fastifyAdapter, isFastify } from './fastify.js'
import { nodeListenerAdapter, type NodeListener } from './node-listener.js'
import type { FetchHandler, LoadedApp } from './types.js'

/** The error with the frames that point into the loader (esbuild, Node internals) left out: the app's file and line stay. */
function userStack(e: Error | undefined): string {
  const text = e?.stack ?? String(e)
  return text.split('\n').filter((line) => !/^\s+at .*(node_modules[\\/](esbuild|tsx)|node:internal)/.test(line)).join('\n')
}

export function splitSpec(spec: string): { path: string; exportName?: string } {
  const m = /^(.*?)(?::([A-Za-z_$][\w$]*))?$/.exec(spec)!
  return { path: m[1], exportName: m[2] }
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'function' ? `a function of ${(v as Function).length} parameters` : typeof v)

async function adapt(value: unknown, where: string, depth = 0): Promise<Omit<LoadedApp, 'ready'>> {
  if (isFastify(value)) {
    return { kind: 'fastify', serve: await fastifyAdapter(value), close: () => Promise.resolve(value.close()) }
  }
  if (typeof value === 'object' && value !== null && typeof (value as { fetch?: unknown }).fetch === 'function') {
    const app = value as { fetch: FetchHandler }
    const fetch: FetchHandler = (request, ctx) => app.fetch(request, ctx)
    return { kind: 'fetch', serve: fetchAdapter(fetch), fetch }
  }
  if (typeof value === 'function' && value.length >= 2) {
    return { kind: 'node', serve: nodeListenerAdapter(value as NodeListener) }
  }
  if (typeof value === 'function' && value.length === 0 && depth === 0) {
    let produced: unknown
    try {
      produced = await (value as () => unknown)()
    } catch (err) {
      throw corralError('CORRAL_ERR_APP_LOAD', where, `its factory threw: ${(err as Error)?.stack ?? err}`)
    }
    return adapt(produced, `${where} (the factory's result)`, depth + 1)
  }
  throw corralError('CORRAL_ERR_APP_EXPORT', where,
    `it is ${describe(value)}; export a fetch handler ({ fetch(request, ctx) }), a Node (req, res) listener, a Fastify instance, or an async factory returning one`)
}

export async function loadApp(spec: string): Promise<LoadedApp> {
  const { path, exportName } = splitSpec(spec)
  let mod: Record<string, unknown>
  try {
    mod = await importModule(path)
  } catch (err) {
    const e = err as Error & { code?: string }
    const detail = e?.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(path) ? `no such file` : userStack(e)
    throw corralError('CORRAL_ERR_APP_LOAD', path, detail)
  }
  const name = exportName ?? ('default' in mod ? 'default' : 'app' in mod ? 'app' : undefined)
  if (name === undefined || !(name in mod)) {
    const have = Object.keys(mod).join(', ') || 'nothing'
    throw corralError('CORRAL_ERR_APP_EXPORT', path, `it has no export named ${exportName ?? '"default" or "app"'} (it exports: ${have})`)
  }
  const app = await adapt(mod[name], `${path}:${name}`)
  const ready = typeof mod.ready === 'function' ? (mod.ready as () => unknown) : undefined
  return { ...app, ready }
}
