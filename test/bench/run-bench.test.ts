import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { inTurn } from '../../bench/in-turn.js'
import { runBench } from '../../bench/run.js'

describe('runBench', () => {
  it('serves a scenario with the node:cluster anchor, loads it and writes the report, noting absent servers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'corral-bench-test-'))
    const lines: string[] = []
    try {
      const r = await runBench({
        quick: true, scenarios: ['hello'], servers: ['node-cluster', 'corral-async'], workers: 1,
        repeats: 1, durationS: 1, outDir: out, log: (l) => lines.push(l),
      })
      // corral-async joins the table once corral is built; until then it is skipped with a note.
      const row = r.rows.find((x) => x.server === 'node-cluster')
      assert.ok(row && row.rps.median > 0)
      assert.ok(existsSync(join(r.dir, 'throughput-hello.svg')))
      assert.ok(existsSync(join(r.dir, 'results.json')))
      assert.match(readFileSync(join(out, 'latest.md'), 'utf8'), /\| node:cluster \+ undici \| 1 \|/)
      if (!existsSync('dist/cli/main.js')) assert.ok(r.notes.some((n) => n.startsWith('corral-async skipped')))
      assert.ok(lines.some((l) => /\[1\/\d\] hello closed c=50 · node-cluster/.test(l)))
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })

  it('turns the order of the servers by one place every round, so each takes every place and none always runs after the same one', () => {
    const servers = ['node-cluster', 'pm2', 'corral-async']
    assert.deepEqual([1, 2, 3, 4].map((round) => inTurn(servers, round).join(' ')), [
      'node-cluster pm2 corral-async', 'pm2 corral-async node-cluster',
      'corral-async node-cluster pm2', 'node-cluster pm2 corral-async',
    ])
    assert.deepEqual(servers, ['node-cluster', 'pm2', 'corral-async'])
    assert.deepEqual([1, 2, 3].map((round) => inTurn(['a', 'b'], round).join(' ')), ['a b', 'b a', 'a b'])
  })

  it('refuses an unknown server name with CORRAL_ERR_USAGE', async () => {
    await assert.rejects(runBench({ servers: ['nginx'], log: () => {} }), { code: 'CORRAL_ERR_USAGE', message: /unknown nginx/ })
  })
})
