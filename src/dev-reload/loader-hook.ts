/**
 * A module loader hook (node:module register(), run on Node's loader thread) that reports every
 * local file an ES module import resolves to, for --reload (module-graph.ts). It changes nothing:
 * each resolution is passed on as the next hook (tsx, or Node's own) made it.
 */
import type { MessagePort } from 'node:worker_threads'

let port: MessagePort | undefined

export function initialize(data: { port: MessagePort }): void {
  port = data.port
  // A flush asked by the main thread (module-graph.ts) is answered after every URL posted before it.
  port.on('message', (m: unknown) => { if (m === 'flush') port?.postMessage('flushed') })
  port.unref()
}

interface Resolved { url: string }
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<Resolved> {
  const resolved = await next(specifier, context)
  if (resolved.url.startsWith('file:') && !resolved.url.includes('/node_modules/')) port?.postMessage(resolved.url)
  return resolved
}
