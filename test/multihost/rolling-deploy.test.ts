/**
 * A rolling deploy across three hosts behind nginx, under load (issue 14, parts 1 and 2): each
 * host in turn is taken out (SIGTERM: readiness off, drain), deployed to (a new release: code
 * and config) and brought back before the next goes. The client, sending product pages and
 * orders the whole time, gets no failed answer; every order it was told about is in the shared
 * PostgreSQL exactly once, and none is there that it was not told about.
 *
 * Everything runs in network namespaces this test makes (scripts/multihost/), with a private
 * PostgreSQL, Redis and nginx, removed at the end. Needs root, ip, nginx, PostgreSQL's server
 * binaries and redis-server; without them the test skips with the reason (fails under
 * CORRAL_REQUIRE_SERVICES=1, where .ci/run installs them).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cannotRunCluster, startCluster } from '../../scripts/multihost/cluster.js'
import { formatRoll, GENEROUS_BUDGETS, ROLLING_HOST_ARGS, rollingDeploy } from '../../scripts/multihost/rolling-deploy.js'
import { needTool } from '../support/tools.js'

describe('a rolling deploy across hosts behind nginx', () => {
  it('moves three hosts to a new release under load with 0 failed requests and every order placed once', async (t) => {
    if (!needTool(t, 'nginx')) return
    const missing = cannotRunCluster()
    if (missing) {
      if (process.env.CORRAL_REQUIRE_SERVICES === '1') throw new Error(`${missing} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`)
      console.log(`# skipped: ${missing}`)
      return t.skip(missing)
    }
    const cluster = await startCluster({ hosts: 3, first: { name: 'v1' }, hostArgs: ROLLING_HOST_ARGS, hostEnv: GENEROUS_BUDGETS, maxFails: 3, failTimeoutS: 1 })
    t.after(() => cluster.down())
    const lines: string[] = []
    const report = await rollingDeploy(cluster, { name: 'v2', env: { SHOP_STOCK_TTL_MS: '1000' } }, { concurrency: 8, maxSeconds: 600, log: (l) => lines.push(l) })
    const summary = formatRoll(report)
    console.log(summary.split('\n').map((l) => `# ${l}`).join('\n'))

    assert.equal(report.load.failed, 0, `failed requests:\n${summary}\n${lines.join('\n')}\nnginx:\n${cluster.balancer.errors().slice(-3000)}`)
    assert.equal(report.rolls.length, 3)
    for (const r of report.rolls) assert.equal(r.oldExit, '0', `${r.host}'s old master drained and exited cleanly`)
    assert.ok(cluster.hosts.every((h) => h.release.name === 'v2'))
    assert.ok((report.load.byRelease.v1 ?? 0) > 0 && (report.load.byRelease.v2 ?? 0) > 0, 'the client saw both releases while it rolled')
    assert.ok(report.orders.acknowledged > 0, 'orders were placed during the roll')
    assert.deepEqual({ missing: report.orders.missing, duplicated: report.orders.duplicated, unacknowledged: report.orders.unacknowledged, inDatabase: report.orders.inDatabase },
      { missing: 0, duplicated: 0, unacknowledged: 0, inDatabase: report.orders.acknowledged })
  })
})
