import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pool, poolTable } from '../../bench/report/pool.js'
import type { RunRecord } from '../../bench/report/summary.js'

const rec = (server: string, round: number, rps: number, level = 100): RunRecord => ({
  scenario: 'hello', server, load: 'closed', level, round,
  result: { requests: rps * 2, errors: 0, durationS: 2, rps, meanMs: 1, p50Ms: 1, p99Ms: 2, maxMs: 3 },
})

describe('pooling several benchmark runs', () => {
  it('takes medians over every round of every run, and per-round ratios within a round', () => {
    const runA = [rec('base', 1, 100), rec('x', 1, 90), rec('base', 2, 200), rec('x', 2, 190)]
    const runB = [rec('base', 1, 110), rec('x', 1, 99), rec('x', 2, 500)] // round 2 lost its base
    const rows = pool([runA, runB], 'base', 500)
    const x = rows.find((r) => r.server === 'x')!
    assert.equal(x.rounds, 4)
    assert.equal(x.medianRps, (99 + 190) / 2)
    assert.equal(x.ratio, ((99 + 190) / 2) / 110)
    // Paired over the three rounds that have both: 0.9, 0.95, 0.9.
    assert.equal(x.pairedRatio, 0.9)
    // Resamples of three paired rounds: the interval lies within the ratios they can give.
    assert.ok(x.interval[0] <= x.interval[1])
    assert.ok(x.interval[0] >= 0.9 - 1e-9 && x.interval[1] <= 0.95 + 1e-9, `interval ${x.interval}`)
    assert.deepEqual(pool([runA, runB], 'base', 500), rows, 'the same runs give the same interval')
    const table = poolTable(rows, 'base')
    assert.match(table, /\| hello \| closed 100 \| x \| 4 \| 145 \| 1\.314 \| 0\.900 \| 0\.9\d\d–0\.9\d\d \|/)
    assert.match(table, /\| hello \| closed 100 \| base \| 3 \| 110 \| 1 \(base\) \|/)
  })

  it('keeps load points apart', () => {
    const rows = pool([[rec('base', 1, 100, 10), rec('x', 1, 50, 10), rec('base', 1, 100, 100), rec('x', 1, 100, 100)]], 'base')
    assert.deepEqual(rows.filter((r) => r.server === 'x').map((r) => [r.level, r.ratio]), [[10, 0.5], [100, 1]])
  })

  it('gives each server\'s CPU per request over the rounds, and its ratio to the base server\'s', () => {
    const withCpu = (r: RunRecord, cores: number): RunRecord => ({ ...r, serverCores: cores })
    // base: 100 rps on 0.5 cores = 5000 µs, 4000 µs; x: 90 rps on 0.45 = 5000, 0.54 → 6000.
    const rows = pool([[withCpu(rec('base', 1, 100), 0.5), withCpu(rec('x', 1, 90), 0.45), withCpu(rec('base', 2, 100), 0.4), withCpu(rec('x', 2, 90), 0.54)]], 'base')
    const x = rows.find((r) => r.server === 'x')!
    assert.ok(Math.abs(x.cpuUs! - 5500) < 1e-6)
    assert.ok(Math.abs(x.cpuRatio! - 5500 / 4500) < 1e-9)
    assert.match(poolTable(rows, 'base'), /\| x \| 2 \| 90 \| 0\.900 \| 0\.900 \| .* \| 5500\.0 \| 1\.222 \|/)
  })
})
