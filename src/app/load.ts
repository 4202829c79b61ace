/**
 * Loading the app module and turning its export into a Serve function. Accepted exports, tried in
 * this order: a Fastify instance; an object with a fetch(request, ctx) method (a Hono app is one);
 * a Node (req, res) listener (an Express app is one); an async factory (no parameters) returning
 * any of these. Without an explicit `module:name`, the default export is used, then one named `app`.
 */
import { http } from '../builtins.js'
import { corralError } from '../errors.js'
import { importModule } from './import.js'
import { splitSpec } from './spec.js'
import { fetchAdapter } from './fetch.js'
import { fastifyAdapter, isFastify } from './fastify.js'
import { nodeListenerAdapter, type NodeListener } from './node-listener.js'
import type { FetchHandler, LoadedApp, UpgradeListener } from './types.js'

/** The error with the frames that point into the loader (esbuild, Node internals) left out: the app's file and line stay. */
function userStack(e: Error | undefined): string {
  const text = e?.stack ?? String(e)
  return text.split('\n').filter((line) => !/^\s+at .*(node_modules[\\/](esbuild|tsx)|node:internal)/.test(line)).join('\n')
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'function' ? `a function of ${(v as Function).length} parameters` : typeof v)

/**
 * Express gives each request node:http's IncomingMessage prototype (app.request inherits from it):
 * over HTTP/2 that turns node:http2's request into a broken one, and reading its body throws in a
 * stream the app never sees. Such an app is served over HTTP/1.1 only.
 */
const swapsRequestPrototype = (value: unknown) => {
  const request = (value as { request?: unknown }).request
  return typeof request === 'object' && request !== null && Object.prototype.isPrototypeOf.call(http.IncomingMessage.prototype, request)
}

const upgradeOf = (value: unknown): UpgradeListener | undefined => {
  const upgrade = (value as { upgrade?: unknown } | null)?.upgrade
  return typeof upgrade === 'function' ? (upgrade as UpgradeListener).bind(value) : undefined
}

async function adapt(value: unknown, where: string, depth = 0): Promise<Omit<LoadedApp, 'ready'>> {
  if (isFastify(value)) {
    const serve = await fastifyAdapter(value)
    // Fastify's WebSocket plugin (@fastify/websocket) listens for upgrades on the app's own
    // http.Server, which corral never starts: hand it the upgrades corral's server receives.
    const own = (value as { server?: import('node:events').EventEmitter }).server
    const upgrade: UpgradeListener | undefined = own && own.listenerCount('upgrade') > 0
      ? (req, socket, head) => own.emit('upgrade', req, socket, head) : undefined
    return { kind: 'fastify', serve, close: () => Promise.resolve(value.close()), upgrade }
  }
  if (typeof value === 'object' && value !== null && typeof (value as { fetch?: unknown }).fetch === 'function') {
    const app = value as { fetch: FetchHandler }
    const fetch: FetchHandler = (request, ctx) => app.fetch(request, ctx)
    return { kind: 'fetch', serve: fetchAdapter(fetch), fetch, upgrade: upgradeOf(value) }
  }
  if (typeof value === 'function' && value.length >= 2) {
    return {
      kind: 'node', serve: nodeListenerAdapter(value as NodeListener), upgrade: upgradeOf(value),
      notHttp2: swapsRequestPrototype(value) ? 'it replaces the request\'s prototype with node:http\'s, as Express does, which breaks node:http2\'s requests' : undefined,
    }
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

/** `ahead`: the entries the master compiled together; their JavaScript is taken when it matches the sources (compile-ahead.ts). */
export async function loadApp(spec: string, options: { ahead?: readonly string[] } = {}): Promise<LoadedApp> {
  const { path, exportName } = splitSpec(spec)
  let mod: Record<string, unknown>
  try {
    const compiled = options.ahead && await (await import('./compile-ahead.js')).importCompiled(path, options.ahead)
    mod = compiled || await importModule(path)
  } catch (err) {
    const e = err as Error & { code?: string }
    // acorn (syntax-error.ts) is loaded only for an app that does not parse: a worker that boots never needs it.
    const where = e?.name === 'SyntaxError' ? (await import('./syntax-error.js')).locateSyntaxError(path) : undefined
    const detail = e?.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(path) ? `no such file` : where ? `${where}\n${userStack(e)}` : userStack(e)
    throw corralError('CORRAL_ERR_APP_LOAD', path, detail)
  }
  const name = exportName ?? ('default' in mod ? 'default' : 'app' in mod ? 'app' : undefined)
  if (name === undefined || !(name in mod)) {
    const have = Object.keys(mod).join(', ') || 'nothing'
    throw corralError('CORRAL_ERR_APP_EXPORT', path, `it has no export named ${exportName ?? '"default" or "app"'} (it exports: ${have})`)
  }
  const app = await adapt(mod[name], `${path}:${name}`)
  const ready = typeof mod.ready === 'function' ? (mod.ready as () => unknown) : undefined
  // A module's `upgrade` export takes node:http's upgrade events, whatever the app's shape.
  const upgrade = typeof mod.upgrade === 'function' ? (mod.upgrade as UpgradeListener) : app.upgrade
  return { ...app, ready, upgrade }
}
