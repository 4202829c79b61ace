/** The shapes an app module may export, and what corral hands a handler. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { WebSocket } from 'ws'

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
  /**
   * Say that this response is a stream (server-sent events, a long poll, a streamed download): it
   * gets no --request-timeout, and a draining worker ends it cleanly at --graceful-timeout rather
   * than letting it be cut (docs/streaming.md). text/event-stream responses and --stream-route
   * paths are streams without it.
   */
  streaming?(): void
  /** With mutual TLS (--ca-certs): the certificate the client presented, if any. */
  readonly clientCertificate?: ClientCertificate
  /**
   * Present only on a WebSocket upgrade request (docs/websockets.md): accept the socket and return
   * the result from the handler. `onOpen` gets the open socket, the ws library's WebSocket. To refuse
   * the upgrade, return any other Response instead (a 401, a 403…).
   */
  upgradeWebSocket?(onOpen: (ws: WebSocket) => void, options?: { protocol?: string }): Response
}

/** The certificate a client presented over mutual TLS, as ctx.clientCertificate shows it. */
export interface ClientCertificate {
  /** Whether it verified against --ca-certs (always true with --cert-reqs required). */
  readonly authorized: boolean
  /** Why it did not verify, when it did not. */
  readonly authorizationError?: string
  readonly subject: Readonly<Record<string, string | string[] | undefined>>
  readonly issuer: Readonly<Record<string, string | string[] | undefined>>
  readonly serialNumber: string
  readonly fingerprint256: string
  readonly validFrom: string
  readonly validTo: string
}

/** A Web-standard handler (Hono, and what Bun, Deno and Workers use). */
export type FetchHandler = (request: Request, ctx: RequestContext) => Response | Promise<Response>

/** node:http's 'upgrade' listener: what an app's `upgrade` export is, and what the ws library's handleUpgrade takes. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown

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
  /** Takes WebSocket (and other) upgrades: the module's `upgrade` export, or a Fastify server's own listeners. */
  upgrade?: UpgradeListener
  /** Why this app cannot be served over HTTP/2, when it cannot. */
  notHttp2?: string
}
