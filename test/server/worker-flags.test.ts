/**
 * --worker-semi-space (arbiter/worker-flags.ts): the workers start with Node's --max-semi-space-size
 * set from it ("auto": 32 on Node 20 and 22, Node's own from 24), unless the operator set that flag
 * already (NODE_OPTIONS, the master's own flags), and not at all with 0. The evidence is each
 * worker's command line, read from /proc.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fixture, runCli, startCorral } from '../support/corral.js'
import { semiSpaceMb, workerFlags } from '../../src/arbiter/worker-flags.js'

async function workerCommandLines(admin: string): Promise<string[][]> {
  const { workers } = (await (await fetch(`${admin}/status`)).json()) as { workers: { pid: number }[] }
  return workers.map((w) => readFileSync(`/proc/${w.pid}/cmdline`, 'utf8').split('\0').filter(Boolean))
}

describe('--worker-semi-space', () => {
  it('starts every worker with --max-semi-space-size=32 by default on Node 20 and 22 (none from 24), and with the value set', async (t) => {
    const byDefault = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    const auto = semiSpaceMb('auto')
    for (const argv of await workerCommandLines(byDefault.admin)) {
      if (auto > 0) assert.ok(argv.includes(`--max-semi-space-size=${auto}`), argv.join(' '))
      else assert.ok(!argv.some((a) => a.startsWith('--max-semi-space-size')), argv.join(' '))
    }
    await byDefault.stop()
    const set = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--worker-semi-space', '64mb'] })
    for (const argv of await workerCommandLines(set.admin)) assert.ok(argv.includes('--max-semi-space-size=64'), argv.join(' '))
    assert.equal((await fetch(set.url + '/pid')).status, 200)
  })

  it('leaves Node its own with 0, and leaves the flag to the operator who set it in NODE_OPTIONS', async (t) => {
    const off = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--worker-semi-space', '0'] })
    for (const argv of await workerCommandLines(off.admin)) assert.ok(!argv.some((a) => a.startsWith('--max-semi-space-size')), argv.join(' '))
    await off.stop()
    const theirs = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'], env: { NODE_OPTIONS: '--max-semi-space-size=8' } })
    for (const argv of await workerCommandLines(theirs.admin)) assert.ok(!argv.some((a) => a.startsWith('--max-semi-space-size')), argv.join(' '))
    assert.equal((await fetch(theirs.url + '/pid')).status, 200)
  })

  it('a bad value stops startup, naming the setting, the value and what is allowed', async () => {
    const r = await runCli(['serve', fixture('fetch-app.ts'), '--worker-semi-space', '12kb'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr + r.stdout, /worker-semi-space|workerSemiSpace/)
    assert.match(r.stderr + r.stdout, /12kb/)
    assert.match(r.stderr + r.stdout, /"auto", whole megabytes/)
  })

  it('keeps the master\'s own flags, and the operator\'s flag where they gave one', () => {
    assert.deepEqual(workerFlags(32, ['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=32'])
    assert.deepEqual(workerFlags(32, ['--max-semi-space-size=4'], ''), ['--max-semi-space-size=4'])
    assert.deepEqual(workerFlags(32, [], '--max-old-space-size=512 --max-semi-space-size=8'), [])
    assert.deepEqual(workerFlags(0, ['--inspect=0'], ''), ['--inspect=0'])
    assert.deepEqual([20, 22, 24, 26].map((major) => semiSpaceMb('auto', major)), [32, 32, 0, 0])
    assert.equal(semiSpaceMb(48, 26), 48)
  })
})
