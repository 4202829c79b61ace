/**
 * pg (node-postgres) vs postgres.js: simple parameterized queries at a fixed concurrency over a
 * pool of the same size, against the same server. Decides which driver the db pool wraps.
 *
 *   node --import tsx bench/micro/pg-vs-postgresjs.ts [url] [queries=20000] [concurrency=64] [pool=10]
 *
 * Runs each driver three times, alternating, and prints queries/s and p99 latency per run.
 * Loopback only; every loop is bounded by the query count. Against the embedded PGlite, pass its URL
 * (pg's named statements would collide there: PGlite's connections share one session).
 */
import pg from 'pg'
import postgres from 'postgres'

const url = process.argv[2] ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const total = Number(process.argv[3] ?? 20_000)
const concurrency = Number(process.argv[4] ?? 64)
const poolSize = Number(process.argv[5] ?? 10)
const SQL = 'SELECT $1::int AS id, $2::text AS name'

type Run = (i: number) => Promise<unknown>

async function measure(label: string, run: Run): Promise<{ qps: number; p99: number }> {
  const latencies = new Float64Array(total)
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++
      const t = performance.now()
      await run(i)
      latencies[i] = performance.now() - t
    }
  }))
  const seconds = (performance.now() - started) / 1000
  latencies.sort()
  const result = { qps: Math.round(total / seconds), p99: Number(latencies[Math.floor(total * 0.99)]!.toFixed(2)) }
  console.log(`${label.padEnd(12)} ${String(result.qps).padStart(7)} q/s   p99 ${result.p99} ms`)
  return result
}

const pgPool = new pg.Pool({ connectionString: url, max: poolSize })
// postgres.js sends a URL's ?host= on as a server setting, so the embedded server's unix socket is given as `path`.
const parsed = new URL(url)
const socketDir = parsed.searchParams.get('host')
const sql = socketDir
  ? postgres({ path: `${socketDir}/.s.PGSQL.${parsed.port || 5432}`, user: parsed.username, database: parsed.pathname.slice(1), max: poolSize })
  : postgres(url, { max: poolSize, prepare: true })
const runPg: Run = (i) => pgPool.query(SQL, [i, 'corral'])
const runPostgres: Run = (i) => sql.unsafe(SQL, [i, 'corral'], { prepare: true })

console.log(`${total} queries, concurrency ${concurrency}, pool ${poolSize}, ${url.replace(/\/\/[^@]*@/, '//')}`)
await measure('warm-up pg', runPg)
await measure('warm-up pjs', runPostgres)
const results: Record<string, number[]> = { pg: [], 'postgres.js': [] }
for (let round = 0; round < 3; round++) {
  results.pg!.push((await measure('pg', runPg)).qps)
  results['postgres.js']!.push((await measure('postgres.js', runPostgres)).qps)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!
console.log(`median q/s: pg ${median(results.pg!)}, postgres.js ${median(results['postgres.js']!)}; postgres.js / pg = ${(median(results['postgres.js']!) / median(results.pg!)).toFixed(2)}`)
await pgPool.end()
await sql.end()
