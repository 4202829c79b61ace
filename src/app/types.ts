/** The shapes an app module may export, and what corral hands a handler. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'

export interface RequestContext {
  /** Aborts when the client disconnects or the request passes its deadline (--request-timeout). */
  readonly signal: AbortSignal
  /** From the X-Request-Id header when the peer is trusted (forwarded-allow-ips), else generated. */
  readonly requestId: string
  readonly workerId: number
  /** The error log, with this request's id bound. */
  readonly log: Logger
  /** The client's address: X-Forwarded-For's first hop when the peer is trusted, else the peer. */
  readonly clientIp: string
  /** http or https, from X-Forwarded-Proto when the peer is trusted. */
  readonly protocol: string
  /** Name this request's route for metrics ("/api/products/:id"); without it corral folds id-like path segments. */
  setRoute?(pattern: string): void
}

/** A Web-standard handler (Hono, and what Bun, Deno and Workers use). */
export type FetchHandler = (request: Request, ctx: RequestContext) => Response | Promise<Response>

/** How the worker calls any app: the adapters turn each export shape into this. */
export type Serve = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => void | Promise<void>

export type AppKind = 'fetch' | 'node' | 'fastify'

export interface LoadedApp {
  kind: AppKind
  serve: Serve
  /** The fetch handler itself, for the threads worker class. */
  fetch?: FetchHandler
  /** The module's optional `ready` export: a worker is ready only once it resolves. */
  ready?: () => unknown
  /** Closes the app (Fastify's close), awaited when the worker exits. */
  close?: () => Promise<unknown>
}
