/**
 * Mutated requests against a worker (mutate.ts, seeded): never a crash, never a hang past the
 * header and body timeouts, never a 2xx to a request the oracle calls invalid. `npm test` plays
 * 2,000; scripts/fuzz-http.ts plays as many as asked, with any seed.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { startCorral } from '../support/corral.js'
import { judge, loadCases } from '../conformance/cases.js'
import { bases } from './bases.js'
import { mutants } from './mutate.js'
import { fuzz } from './run.js'
import { invalidBecause } from './verdict.js'

const SEED = 20261201
const COUNT = 2000

describe('fuzzing the HTTP/1.1 request path', () => {
  it('has an oracle that calls no valid conformance case invalid', () => {
    const wrong: string[] = []
    let agreed = 0
    let invalid = 0
    for (const f of loadCases()) for (const c of f.cases) {
      const bytes = c.send ?? (c.steps ?? []).map((s) => ('send' in s ? s.send : '')).join('')
      const why = invalidBecause(bytes)
      const valid = [c.expect[0].status].flat().some((s) => s < 400)
      if (valid && why) wrong.push(`${f.file}: ${c.id}: ${why}`)
      if (!valid) { invalid++; if (why) agreed++ }
    }
    assert.deepEqual(wrong, [])
    // The oracle knows most of the suite's invalid cases (not all: it leaves limits and methods to the suite).
    assert.ok(agreed >= invalid * 0.6, `the oracle recognises ${agreed} of ${invalid} invalid cases`)
    void judge
  })

  it(`survives ${COUNT} mutated requests (seed ${SEED}): no crash, no hang, no 2xx to an invalid request`, async (t) => {
    const server = await startCorral(t, fileURLToPath(new URL('../conformance/apps/fetch-echo.ts', import.meta.url)), {
      args: ['--workers', '1', '--header-timeout', '2s', '--body-timeout', '2s', '--body-min-rate', '0'],
    })
    const before = await (await fetch(server.admin + '/status')).json() as { workers: { id: number; pid: number }[] }
    const report = await fuzz(server.port, mutants(SEED, COUNT, bases()), { concurrency: 16, boundMs: 30_000, keepOpenEvery: 25 })
    t.diagnostic(`outcomes: ${JSON.stringify(report.outcomes)}; ${report.invalid} invalid by the oracle`)
    assert.equal(report.played, COUNT)
    assert.deepEqual(report.failures, [])
    const after = await (await fetch(server.admin + '/status')).json() as { workers: { id: number; pid: number }[] }
    assert.deepEqual(after.workers.map((w) => [w.id, w.pid]), before.workers.map((w) => [w.id, w.pid]), 'the same worker, never replaced')
    assert.doesNotMatch(server.output(), /uncaught|CORRAL_ERR_HANDLER|exited/i)
    assert.equal((await fetch(server.url + '/')).status, 200)
    await server.stop()
  })
})
