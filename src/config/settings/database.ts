import { section } from '../setting.js'
import { Invalid, duration, optionalPath, positiveInt, text, workerCount, type Parser } from '../parse.js'

/** A postgres:// URL, or none ('' / "embedded" / "off"), meaning the embedded PGlite the master runs. */
const databaseUrl: Parser<string | null> = {
  kind: 'value',
  expected: 'a postgres:// or postgresql:// URL, or "embedded"',
  parse(raw) {
    if (raw === null || raw === false) return null
    const t = text.parse(raw)
    if (t === '' || t === 'embedded' || t === 'off') return null
    if (!/^postgres(ql)?:\/\//i.test(t)) throw new Invalid()
    return t
  },
}

export const database = section('Database', {
  databaseUrl: {
    parse: databaseUrl, default: null as string | null, env: ['CORRAL_DATABASE_URL', 'DATABASE_URL'],
    doc: `The PostgreSQL server the db pool and the job queue use. Unset, the master runs an embedded PostgreSQL
          (PGlite) with its data in --data-dir and serves it to the workers on a local socket.`,
  },
  dbPoolSize: {
    parse: workerCount, default: 'auto' as number | 'auto',
    doc: `Connections in each worker's pool. "auto" divides what the server allows (max_connections minus reserved
          slots, less headroom) among workers x hosts, up to 10. A number that cannot fit stops corral at startup
          with the arithmetic, instead of "too many clients already" under load.`,
  },
  dbHosts: {
    parse: positiveInt, default: 1,
    doc: `How many machines run corral against this database; pool sizing shares the server's connections among them.`,
  },
  dbStatementTimeout: {
    parse: duration, default: 30_000,
    doc: `The longest a query may run before it is cancelled (PostgreSQL's statement_timeout, plus a client-side
          backstop). 0 turns it off.`,
  },
  dataDir: {
    parse: text, default: '.corral/data',
    doc: `Where the embedded PostgreSQL keeps its data (used only without --database-url). It survives restarts.`,
  },
  migrations: {
    parse: optionalPath, default: './migrations' as string | null,
    doc: `A folder of forward-only .sql migrations the master applies once each, in name order, at startup.
          A missing default folder is skipped; "off" turns migrations off.`,
  },
})
