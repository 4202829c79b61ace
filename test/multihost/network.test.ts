/**
 * The multi-host harness's network (scripts/multihost/netns.ts) leaves nothing behind: its
 * namespaces (and with them the veths and the bridge) are removed when the run is interrupted, and
 * those of a run killed outright are swept by the next. Its addresses exist only inside them.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { cannotMakeNamespaces, sweepStale } from '../../scripts/multihost/netns.js'
import { fixture, ROOT } from '../support/corral.js'

const namespaces = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]).filter(Boolean)

function canRun(t: TestContext): boolean {
  const missing = cannotMakeNamespaces()
  if (!missing) return true
  if (process.env.CORRAL_REQUIRE_SERVICES === '1') throw new Error(`${missing} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`)
  console.log(`# skipped: ${missing}`)
  t.skip(missing)
  return false
}

async function makeNetwork(t: TestContext) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('multihost-network.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const [line] = await once(createInterface({ input: child.stdout }), 'line') as [string]
  return { child, made: (JSON.parse(line) as { namespaces: string[] }).namespaces }
}

describe('the multi-host network', () => {
  it('exists only in its namespaces and is removed when the run is interrupted', async (t) => {
    if (!canRun(t)) return
    const { child, made } = await makeNetwork(t)
    for (const ns of made) assert.ok(namespaces().includes(ns), `${ns} exists`)
    const inside = spawnSync('ip', ['-n', made[0], '-o', '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' }).stdout
    assert.match(inside, /inet 10\.213\.0\.\d+\/24/)
    assert.doesNotMatch(spawnSync('ip', ['-o', 'addr'], { encoding: 'utf8' }).stdout, /10\.213\./, 'no address of it in this machine\'s own namespace')
    child.kill('SIGINT')
    await once(child, 'exit')
    for (const ns of made) assert.ok(!namespaces().includes(ns), `${ns} removed on SIGINT`)
  })

  it('sweeps the namespaces of a run that was killed before it could clean up', async (t) => {
    if (!canRun(t)) return
    const { child, made } = await makeNetwork(t)
    child.kill('SIGKILL')
    await once(child, 'exit')
    for (const ns of made) assert.ok(namespaces().includes(ns), `${ns} outlives a SIGKILL`)
    sweepStale()
    for (const ns of made) assert.ok(!namespaces().includes(ns), `${ns} swept`)
  })
})
