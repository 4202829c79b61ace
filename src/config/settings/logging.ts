import { section } from '../setting.js'
import { oneOf, optionalPath, text } from '../parse.js'

/** Gunicorn's default access log format (its "combined" log plus the request time in microseconds). */
export const GUNICORN_ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

export const logging = section('Logging', {
  logLevel: {
    parse: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const), default: 'info' as const,
    doc: `The error log's level.`,
  },
  errorLog: {
    parse: optionalPath, default: '-' as string | null,
    doc: `Where the error log goes: "-" for stderr, or a file path (reopened on SIGUSR1, for logrotate).`,
  },
  logFormat: {
    parse: oneOf(['text', 'json'] as const), default: 'text' as const,
    doc: `The error log's format: text lines for people, or JSON lines (pino) for log collectors.`,
  },
  accessLog: {
    parse: optionalPath, default: null as string | null,
    doc: `Where the access log goes: "-" for stdout, or a file path. Off by default, as Gunicorn's.`,
  },
  accessLogFormat: {
    parse: text, default: GUNICORN_ACCESS_FORMAT,
    doc: `The access log line: Gunicorn's atoms (%(h)s %(r)s %(s)s %(D)s …, see docs/logging.md), or "json" for one
          JSON object per request.`,
  },
})
