/**
 * Closed-loop load with h2load (Debian's nghttp2-client): `clients` connections, each with up to
 * `streams` requests in flight, over HTTP/2 (TLS with ALPN, or h2c by prior knowledge) or, with
 * `h1`, HTTP/1.1 (one request at a time per connection: h2load pipelines HTTP/1.1 past 1, which
 * no browser does, so the HTTP/1.1 runs keep streams at 1). One generator for both protocols, so
 * their figures compare. h2load reports the mean request time, not percentiles.
 */
import { spawn, spawnSync } from 'node:child_process'

export interface H2Load {
  url: string
  clients: number
  streams: number
  durationS: number
  h1: boolean
  threads?: number
}

export interface H2LoadResult {
  requests: number; succeeded: number; errors: number; rps: number; meanMs: number; maxMs: number; durationS: number
  /** Set when the run has no figures: why (h2load killed by the guard, or it printed no summary). */
  failed?: string
}

/** How long past its -D duration h2load may take to print its summary before the run counts as failed. */
const GRACE_S = 20

export function h2loadVersion(bin = process.env.BENCH_H2LOAD ?? 'h2load'): string | undefined {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 })
  return r.error === undefined && r.status === 0 ? r.stdout.trim() : undefined
}

const ms = (value: string, unit: string) => Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1)

/** Parse h2load's text summary (the figures of nghttp2 1.4x–1.5x keep these lines). */
export function parseH2load(out: string): H2LoadResult {
  const finished = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(out)
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out)
  const time = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(out)
  if (!finished || !requests) throw new Error(`h2load printed no summary: ${out.trim().slice(-400)}`)
  const done = Number(requests[3])
  const succeeded = Number(requests[4])
  return {
    requests: done,
    succeeded,
    errors: Number(requests[5]) + Number(requests[6]) + Number(requests[7]),
    durationS: Number(finished[1]),
    rps: Number(finished[2]) * (done > 0 ? succeeded / done : 1),
    meanMs: time ? ms(time[5], time[6]) : NaN,
    maxMs: time ? ms(time[3], time[4]) : NaN,
  }
}

export function runH2load(o: H2Load, bin = process.env.BENCH_H2LOAD ?? 'h2load'): Promise<H2LoadResult> {
  // -N: a connection that sees nothing for 10 s is closed and its requests count as timeouts. With
  // -D alone, h2load waits at the end for every request in flight, for ever: one request a server
  // never answers (seen once against a starved machine) would hang the whole bench.
  const args = ['-c', String(o.clients), '-m', String(o.h1 ? 1 : o.streams), '-t', String(o.threads ?? 1), '-D', String(o.durationS), '-N', '10', ...(o.h1 ? ['--h1'] : []), o.url]
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d })
    child.stderr.on('data', (d: Buffer) => { out += d })
    let killed = false
    const guard = setTimeout(() => { killed = true; child.kill('SIGKILL') }, (o.durationS + GRACE_S) * 1000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(guard)
      // h2load 1.52 now and then never exits after its duration (see bench/README.md, "HTTP/2
      // against HTTP/1.1"): such a run is counted as failed, with why, and the bench goes on.
      try { resolve(parseH2load(out)) } catch (err) {
        const why = killed ? `h2load had not exited ${GRACE_S} s after its ${o.durationS} s duration; killed` : (err as Error).message
        resolve({ requests: 0, succeeded: 0, errors: 0, rps: NaN, meanMs: NaN, maxMs: NaN, durationS: NaN, failed: `${why} (last output: ${out.trim().split('\n').slice(-2).join(' / ')})` })
      }
    })
  })
}
