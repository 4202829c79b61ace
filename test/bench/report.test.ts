import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LoadResult } from '../../bench/load/result.js'
import { summarize, spread, type RunRecord } from '../../bench/report/summary.js'
import { pointTable } from '../../bench/report/table.js'
import { lineChart } from '../../bench/report/svg.js'

const result = (rps: number, meanMs: number): LoadResult =>
  ({ requests: rps * 2, errors: 0, durationS: 2, rps, meanMs, p50Ms: meanMs, p99Ms: meanMs * 2, maxMs: meanMs * 3 })

const run = (server: string, round: number, rps: number, meanMs: number): RunRecord =>
  ({ scenario: 'fanout', server, load: 'closed', level: 100, round, result: result(rps, meanMs) })

const servers = [{ name: 'gunicorn-sync', label: 'Gunicorn sync (WSGI)' }, { name: 'node-cluster', label: 'node:cluster + undici' }]

describe('bench report', () => {
  it('takes the median of the repeats and keeps their min and max', () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 })
    assert.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 })
  })

  it('rates each server against the first one at the same point, and against the Little\'s-law ceiling', () => {
    const rows = summarize({
      runs: [run('node-cluster', 1, 300, 330), run('gunicorn-sync', 1, 2, 1400), run('node-cluster', 2, 320, 310),
        run('gunicorn-sync', 2, 3, 1300), run('node-cluster', 3, 310, 320), run('gunicorn-sync', 3, 2.5, 1350)],
      servers, workers: 2, scenarios: ['fanout'], criticalPathMs: { fanout: 300 },
    })
    assert.deepEqual(rows.map((r) => r.server), ['gunicorn-sync', 'node-cluster'])
    assert.equal(rows[0]!.relative, 1)
    assert.equal(rows[1]!.relative, 310 / 2.5)
    assert.ok(Math.abs(rows[1]!.ceiling! - 1000 / 3) < 1e-9)
    assert.ok(Math.abs(rows[1]!.fraction!.median - 310 / (1000 / 3)) < 1e-9)
  })

  it('writes the table in seed 000\'s shape, with Little\'s-law time per request where the run cut requests off', () => {
    const rows = summarize({
      runs: [run('gunicorn-sync', 1, 2, 1400), run('node-cluster', 1, 300, 330)],
      servers, workers: 2, scenarios: ['fanout'], criticalPathMs: { fanout: 300 },
    })
    const md = pointTable(rows)
    assert.match(md, /^\| server \/ model \| workers \| rps \| mean \| p99 \| errors \| fraction of ceiling \| relative \|$/m)
    assert.match(md, /\| Gunicorn sync \(WSGI\) \| 2 \| 2\.00 \| 1400 ms † \|/)
    assert.match(md, /\| 1x \(base\) \|/)
    assert.match(md, /Gunicorn sync \(WSGI\): 50\.0 s/) // 100 connections / 2 rps
  })

  it('shows the light route served beside a heavy one: its p50, p99 and errors, medians over the repeats', () => {
    const beside = (server: string, round: number, p99Ms: number): RunRecord =>
      ({ ...run(server, round, 100, 80), scenario: 'cpu-offload', level: 8, light: { ...result(50, 2), p50Ms: 2, p99Ms, errors: round - 1 } })
    const rows = summarize({
      runs: [beside('gunicorn-sync', 1, 60), beside('gunicorn-sync', 2, 80), beside('gunicorn-sync', 3, 70), beside('node-cluster', 1, 9)],
      servers, workers: 2, scenarios: ['cpu-offload'], criticalPathMs: {},
    })
    const md = pointTable(rows, { path: '/hello', rate: 50 })
    assert.match(md, /^\| server \/ model \| workers \| rps \| mean \| p99 \| errors \| \/hello p50 \| \/hello p99 \| \/hello errors \| relative \|$/m)
    assert.match(md, /\| Gunicorn sync \(WSGI\) \| 2 \| 100 \| 80\.0 ms \| 160 ms \| 0 \| 2\.00 ms \| 70\.0 ms \(60\.0 ms–80\.0 ms\) \| 1 \(0–2\) \| 1x \(base\) \|/)
  })

  it('draws one series per server in an SVG chart', () => {
    const rows = summarize({
      runs: [run('gunicorn-sync', 1, 2, 1400), run('node-cluster', 1, 300, 330)],
      servers, workers: 2, scenarios: ['fanout'], criticalPathMs: { fanout: 300 },
    })
    const svg = lineChart({ title: 't', yLabel: 'rps', rows, servers, value: (r) => r.rps })
    assert.match(svg, /^<svg /)
    assert.equal((svg.match(/<circle /g) ?? []).length, 2)
    assert.match(svg, /node:cluster \+ undici/)
  })

  it('gives the CPU each answer cost the server, the upstream and the database, from /proc over each run', () => {
    const cpuRun = (server: string, round: number, rps: number, serverCores: number): RunRecord =>
      ({ ...run(server, round, rps, 300), serverCores, upstreamCores: 0.1, databaseCores: 0.05 })
    const rows = summarize({
      runs: [cpuRun('node-cluster', 1, 200, 0.5), cpuRun('node-cluster', 2, 250, 0.5)],
      servers, workers: 2, scenarios: ['fanout'], criticalPathMs: { fanout: 300 },
    })
    assert.deepEqual(rows[0]!.serverUs, { median: 2250, min: 2000, max: 2500 })
    const md = pointTable(rows)
    assert.match(md, /\| fraction of ceiling \| server CPU \/ request \| upstream CPU \/ request \| database CPU \/ request \| relative \|/)
    assert.match(md, /\| 2250 µs \| 450 µs \| 225 µs \| 1x \(base\) \|/)
  })
})
