/**
 * Every error corral raises on purpose has a stable code here. Callers branch on `err.code`,
 * never on `instanceof`: errors cross the IPC boundary between arbiter and worker as plain data.
 *
 * `exit` is the process exit status when the error stops corral; `status` is the HTTP status
 * when the error answers a request. `docs/errors.md` is generated from this table.
 */
import { util } from './builtins.js'

export const codes = {
  CORRAL_ERR_SETTING: {
    message: 'setting %s: expected %s, received %s',
    exit: 2,
    doc: 'A setting has a value it cannot take. The message names the setting, what it allows and where the value came from.',
  },
  CORRAL_ERR_UNKNOWN_SETTING: {
    message: 'unknown setting %s in %s%s',
    exit: 2,
    doc: 'A config file, flag or env var names a setting corral does not have. Check the spelling against docs/settings.md.',
  },
  CORRAL_ERR_CONFIG_LOAD: {
    message: 'cannot load config file %s: %s',
    exit: 2,
    doc: 'The config file exists but could not be imported (syntax error, throws at import, no default export).',
  },
  CORRAL_ERR_USAGE: {
    message: '%s',
    exit: 2,
    doc: 'The command line is wrong: unknown command, missing argument. `corral --help` lists what is allowed.',
  },
  CORRAL_ERR_MIGRATE: {
    message: 'cannot translate %s: %s',
    exit: 2,
    doc: '`corral migrate` could not read the Gunicorn or PM2 config file (a syntax error, no exported apps, several apps and no --app). Settings it can read but not translate do not stop it: they are commented or FLAGGED in the output.',
  },
  CORRAL_ERR_APP_LOAD: {
    message: 'cannot load app %s: %s',
    exit: 4,
    doc: 'The app module failed to import, or its export is not something corral can serve. The message carries the original error with file and line.',
  },
  CORRAL_ERR_APP_EXPORT: {
    message: 'app %s: %s',
    exit: 4,
    doc: 'The app module loaded but the named export is missing or has a shape corral cannot serve (fetch handler, Node listener, Fastify instance, or a factory returning one).',
  },
  CORRAL_ERR_WORKER_BOOT: {
    message: 'worker %d failed to boot: %s',
    exit: 3,
    doc: 'A worker exited or reported an error before it was ready. At startup this stops corral instead of looping on restarts.',
  },
  CORRAL_ERR_BIND: {
    message: 'cannot listen on %s: %s',
    exit: 5,
    doc: 'The address is taken, not allowed (ports below 1024 need privileges), or the unix socket path is not writable.',
  },
  CORRAL_ERR_HOOK: {
    message: 'hook %s failed: %s',
    exit: 6,
    doc: 'A hook from the config file threw. At boot this stops startup; while serving it is logged and the server goes on.',
  },
  CORRAL_ERR_BALANCE: {
    message: 'balance %s is not available here: %s',
    exit: 2,
    doc: 'The chosen --balance strategy cannot run on this Node or platform (reuseport needs Node >= 22.12 on Linux).',
  },
  CORRAL_ERR_WORKER_CLASS: {
    message: 'worker class %s cannot serve this app: %s',
    exit: 4,
    doc: 'The threads worker class runs Web-standard fetch handlers only; Node listeners and Fastify need a process of their own.',
  },
  CORRAL_ERR_HTTP2_APP: {
    message: 'HTTP/2 cannot serve app %s: %s',
    exit: 4,
    doc: 'With --http2 or --h2c, the app must run over node:http2\'s compatibility API. An Express app cannot (it gives every request node:http\'s prototype): serve it over HTTP/1.1, leaving --http2 and --h2c off, or put an HTTP/2 proxy in front.',
  },
  CORRAL_ERR_CONTROL: {
    message: 'control socket %s: %s',
    exit: 7,
    doc: '`corral ctl` could not talk to the master: no master on that socket, or the request was refused. Check --control-socket.',
  },
  CORRAL_ERR_RELOAD: {
    message: 'reload stopped: %s',
    exit: 1,
    doc: 'A reload or recycle roll stopped because a new worker did not become ready; the old workers keep serving. The log says why.',
  },
  CORRAL_ERR_OVERLOADED: {
    message: 'worker at its limit of %d requests in flight',
    status: 503,
    doc: 'The worker is at its concurrency limit (the adaptive one, docs/overload.md, or --worker-connections) and its queue is full or the wait would be too long, or the request waited --overload-queue-timeout. No app code ran. The answer carries Retry-After; the client should retry.',
  },
  CORRAL_ERR_DEADLINE: {
    message: 'request passed its %dms deadline',
    status: 504,
    doc: 'The handler did not answer within --request-timeout. Its ctx.signal was aborted so downstream I/O stops.',
  },
  CORRAL_ERR_STREAM_ENDED: {
    message: 'the worker is draining and its %dms graceful timeout ran out: the stream was ended',
    status: 503,
    doc: 'A stream (docs/streaming.md) was still open when a draining worker reached --graceful-timeout. ctx.signal aborts with this error and corral ends the response cleanly (a stream not yet started gets 503 with Retry-After); clients of server-sent events reconnect.',
  },
  CORRAL_ERR_BODY_TOO_LARGE: {
    message: 'request body is larger than %d bytes',
    status: 413,
    doc: 'The request body passed --max-body-size.',
  },
  CORRAL_ERR_URI_TOO_LONG: {
    message: 'request line is longer than %d bytes',
    status: 414,
    doc: 'The request line passed --limit-request-line.',
  },
  CORRAL_ERR_HEADERS_TOO_LARGE: {
    message: '%s',
    status: 431,
    doc: 'Too many header fields (--limit-request-fields) or one field too large (--limit-request-field-size).',
  },
  CORRAL_ERR_BAD_REQUEST: {
    message: 'malformed request: %s',
    status: 400,
    doc: 'The request could not be parsed or breaks HTTP/1.1 framing rules. The connection is closed; the worker serves on.',
  },
  CORRAL_ERR_NOT_IMPLEMENTED: {
    message: 'not implemented: %s',
    status: 501,
    doc: 'The request needs something corral does not do: a transfer coding other than chunked (RFC 9112 §6.1), or CONNECT (corral is an origin server, not a proxy). The connection is closed.',
  },
  CORRAL_ERR_HTTP_VERSION: {
    message: 'HTTP version not supported: %s',
    status: 505,
    doc: 'The request line names an HTTP version other than 1.0 or 1.1 (HTTP/2 is spoken through TLS ALPN or --h2c, never announced in an HTTP/1 request line).',
  },
  CORRAL_ERR_EXPECTATION: {
    message: 'expectation not met: %s',
    status: 417,
    doc: 'The Expect header asks for something other than 100-continue, the one expectation HTTP/1.1 defines (RFC 9110 §10.1.1).',
  },
  CORRAL_ERR_BODY_TIMEOUT: {
    message: 'the request body arrived too slowly: %s',
    status: 408,
    doc: 'The client sent the request body slower than --body-timeout and --body-min-rate allow. It gets 408 (or its connection is cut if the response had begun) and the worker serves on.',
  },
  CORRAL_ERR_HANDLER: {
    message: 'the app threw while handling the request',
    status: 500,
    doc: 'The app handler threw or rejected. The error is logged with the request id; the client gets a plain 500.',
  },
  // io toolkit: fan-out, upstream client, cache, lock (src/io)
  CORRAL_ERR_IO_OPTION: {
    message: '%s: option %s must be %s, received %s',
    exit: 2,
    doc: 'An io toolkit constructor (upstream, cache, lock) got an option it cannot take. The message names the option, what it allows and what it received.',
  },
  CORRAL_ERR_CALL_TIMEOUT: {
    message: 'call %s passed its %dms timeout',
    status: 504,
    doc: 'A call inside gather() did not finish within its timeoutMs. Its AbortSignal was aborted so its I/O stopped; the fallback, if any, was used.',
  },
  CORRAL_ERR_UPSTREAM_TIMEOUT: {
    message: 'upstream %s: no answer to %s %s within %dms',
    status: 504,
    doc: 'The upstream did not answer within the upstream\'s timeoutMs (retries included). The request was aborted down to the socket.',
  },
  CORRAL_ERR_UPSTREAM_OPEN: {
    message: 'upstream %s: circuit open after repeated failures, failing fast',
    status: 503,
    doc: 'The upstream\'s circuit breaker is open: recent calls failed, so calls fail at once without touching the network until the cool-down passes and a probe succeeds. Give the call a fallback.',
  },
  CORRAL_ERR_UPSTREAM_LIMIT: {
    message: 'upstream %s: %d calls at once already and none ended within the wait, failing fast',
    status: 503,
    doc: 'The upstream answers more slowly than its baseline, so its adaptive concurrency limit came down, and this call waited its limit.waitMs without a slot (upstream-limit.ts). It was never sent. Give the call a fallback; `limit: false` on the upstream turns the limit off.',
  },
  CORRAL_ERR_UPSTREAM_FAILED: {
    message: 'upstream %s: %s %s failed: %s',
    status: 502,
    doc: 'The upstream could not be reached or broke the connection (refused, reset, connect timeout). `cause` carries the network error.',
  },
  CORRAL_ERR_UPSTREAM_STATUS: {
    message: 'upstream %s answered %d to %s %s',
    status: 502,
    doc: 'json() and text() expect a 2xx answer; the upstream sent another status. Use request() to handle statuses yourself.',
  },
  CORRAL_ERR_LOCK_TIMEOUT: {
    message: 'lock %s: not acquired within %dms%s',
    status: 503,
    doc: 'withLock() waited waitMs for the lock and another holder still had it (or Redis could not be reached). fn did not run.',
  },
  CORRAL_ERR_LOCK_LOST: {
    message: 'lock %s: lost while fn was running (%s)',
    status: 500,
    doc: 'The lock expired or was taken over before fn finished (a pause longer than the ttl, or Redis unreachable). fn\'s signal was aborted; writes guarded by the fencing token are safe, others may have raced.',
  },
  CORRAL_ERR_DB_POOL_BUDGET: {
    message: '%s',
    exit: 7,
    doc: 'The database pools would need more connections than the PostgreSQL server allows (max_connections minus the slots reserved for superusers and, when counted, those other clients hold). The message shows the arithmetic and what to lower. This prevents "sorry, too many clients already" under load.',
  },
  CORRAL_ERR_DB_UNSET: {
    message: 'database(): DATABASE_URL is not set',
    exit: 7,
    doc: 'database() or queue() was called in a process without DATABASE_URL. Under `corral serve` the master sets it (your --database-url, or the embedded PGlite it starts when --migrations points at a folder); in a script or test, set DATABASE_URL yourself.',
  },
  CORRAL_ERR_DB_TIMEOUT: {
    message: 'query passed its %dms statement timeout',
    status: 504,
    doc: 'A query ran longer than --db-statement-timeout. The server cancelled it (real PostgreSQL), or corral gave up on it and closed the connection (embedded PGlite, which cannot interrupt a running statement).',
  },
  CORRAL_ERR_DB_UNAVAILABLE: {
    message: 'database %s cannot be reached: %s',
    status: 503,
    doc: 'The pool could not connect to PostgreSQL, or lost the connection mid-query: the server is down or restarting, the embedded database process is gone, or it has no connection slot left. `cause` carries pg\'s error. Uncaught, it is answered 503 with Retry-After; the pool reconnects by itself once the server is back. A write whose connection broke during COMMIT may or may not have committed: make it idempotent (a key the retry repeats).',
  },
  CORRAL_ERR_DB_EMBEDDED: {
    message: 'embedded PostgreSQL in %s: %s',
    exit: 7,
    doc: 'The embedded PGlite database could not start: its data folder is in use by another corral, not writable, or the PGlite process died. Set DATABASE_URL to use a real PostgreSQL instead.',
  },
  CORRAL_ERR_DB_MIGRATION: {
    message: 'migration %s: %s',
    exit: 7,
    doc: 'A migration file failed to apply (its transaction was rolled back), or a file already applied has changed since (migrations are forward-only: add a new file instead of editing an applied one).',
  },
  CORRAL_ERR_OFFLOAD_FULL: {
    message: 'offload: %d tasks already wait for the worker\'s %d threads (--offload-queue); this one was refused',
    status: 503,
    doc: 'offload() was called while every thread of the worker\'s pool was busy and --offload-queue tasks were already waiting. The task did not run. Catch it and answer 503 with Retry-After (an uncaught one does), raise --offload-queue if the waits are short, or add threads or workers if the CPUs have room.',
  },
  CORRAL_ERR_OFFLOAD_CLOSED: {
    message: 'offload: the thread pool is closed (the worker is exiting)',
    status: 503,
    doc: 'offload() was called, or its task was still waiting or running, when the worker closed its thread pool on the way out. Workers drain their requests before they close it, so this means work started outside a request, or a task outlived its request.',
  },
  CORRAL_ERR_OFFLOAD_TASK: {
    message: 'offload %s: %s',
    status: 500,
    doc: 'The task module given to offload() could not be loaded in the thread, or does not export a function of that name. The message carries the module\'s own error (file and line) or the names it does export. Pass an absolute path or a file URL: new URL(\'./tasks.ts\', import.meta.url).',
  },
  CORRAL_ERR_QUEUE: {
    message: 'queue %s: %s',
    status: 500,
    doc: 'A job queue call got an argument it cannot take (an empty queue name, a payload that is not JSON, a negative delay), or used a queue after close. The message says which.',
  },
} as const satisfies Record<string, { message: string; doc: string; exit?: number; status?: number }>

export type ErrorCode = keyof typeof codes

export interface CorralError extends Error {
  code: ErrorCode
  exit?: number
  status?: number
}

export function corralError(code: ErrorCode, ...args: unknown[]): CorralError {
  const entry = codes[code] as { message: string; exit?: number; status?: number }
  const err = new Error(util.format(entry.message, ...args)) as CorralError
  err.code = code
  if (entry.exit !== undefined) err.exit = entry.exit
  if (entry.status !== undefined) err.status = entry.status
  return err
}

export function isCorralError(err: unknown): err is CorralError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    && (err as { code: string }).code in codes
}

/** The exit status for an error that stops corral: the code's own, or 1 for anything unexpected. */
export function exitCodeOf(err: unknown): number {
  return isCorralError(err) ? err.exit ?? 1 : 1
}

/** Plain data for the IPC channel: message, code and the stack, which carries the app's file and line. */
export interface ErrorData { message: string; code?: string; stack?: string }

export function toErrorData(err: unknown): ErrorData {
  if (err instanceof Error) {
    return { message: err.message, code: (err as { code?: string }).code, stack: err.stack }
  }
  return { message: String(err) }
}
