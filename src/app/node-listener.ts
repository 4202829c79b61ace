/** The adapter for Node (req, res) listeners: Express apps, Koa's callback(), plain handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestContext, Serve } from './types.js'
import { failRequest } from './fail.js'

export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => unknown

export function nodeListenerAdapter(listener: NodeListener): Serve {
  return (req, res, ctx: RequestContext) => {
    // The listener reaches corral's context as req.corral (its type: corral's RequestContext).
    ;(req as IncomingMessage & { corral?: RequestContext }).corral = ctx
    try {
      const result = listener(req, res)
      if (result instanceof Promise) result.catch((err) => failRequest(res, ctx, err))
    } catch (err) {
      failRequest(res, ctx, err)
    }
  }
}
