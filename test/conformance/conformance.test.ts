/**
 * The HTTP/1.1 conformance suite (cases/*.json, from RFC 9112 and RFC 9110) replayed over raw
 * sockets against every app shape corral serves: each shape is an echo app that answers with what
 * it saw (method, target, host, body), so a case checks both the status and what reached the app.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { startCorral, type Running } from '../support/corral.js'
import { converse } from '../support/http-wire.js'
import { judge, loadCases, stepsOf } from './cases.js'

const app = (name: string) => fileURLToPath(new URL(`./apps/${name}`, import.meta.url))

const shapes: [string, string][] = [
  ['a fetch handler', 'fetch-echo.ts'],
  ['a Node (req, res) listener', 'node-echo.ts'],
  ['a Hono app', 'hono-echo.ts'],
  ['an Express app', 'express-echo.ts:app'],
  ['a Fastify instance', 'fastify-echo.ts'],
]

const files = loadCases()

// The shapes run side by side, each against a corral of its own: a case spends most of its time
// waiting on the server (a close, a timeout), so one after another took 32 s a shape in CI.
describe('HTTP/1.1 conformance', { concurrency: shapes.length }, () => {
for (const [shape, module] of shapes) {
  describe(`HTTP/1.1 conformance: ${shape}`, () => {
    let server: Running
    before(async () => { server = await startCorral(undefined, app(module), { args: ['--workers', '1'] }) })
    after(async () => {
      const { code } = await server.stop()
      assert.equal(code, 0, `the server stopped cleanly after the suite:\n${server.output().slice(-2000)}`)
    })
    for (const { file, title, cases } of files) {
      it(`${title} (${file}, ${cases.length} cases)`, async () => {
        const failures: string[] = []
        for (const c of cases) {
          const talk = await converse(server.port, stepsOf(c), { head: (i) => c.heads?.includes(i) ?? false })
          const problems = judge(c, talk)
          if (problems.length) failures.push(`${c.rfc} — ${c.id}:\n    ${problems.join('\n    ')}`)
        }
        assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`)
      })
    }
    it('the worker that served every case is still the first one', async () => {
      const status = await (await fetch(server.admin + '/status')).json() as { workers: { id: number; restarts?: number }[] }
      assert.equal(status.workers.length, 1)
      assert.equal(status.workers[0].id, 1, 'no worker crashed and was replaced')
    })
  })
}
})
