import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, nodeLines, runCli, startCorral } from '../support/corral.js'

describe('loading TypeScript apps', () => {
  it(`serves a .ts app on this Node (${process.version}) through tsx`, async (t) => {
    const server = await startCorral(t, fixture('hono-app.ts'), { args: ['--workers', '1'] })
    assert.equal(await (await fetch(server.url + '/')).text(), 'hono hello')
    await server.stop()
  })

  for (const line of nodeLines) {
    it(`serves a .ts app on ${line.name} with its native type stripping`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'], node: line.node })
      assert.equal(await (await fetch(server.url + '/')).text(), 'Hello, World!')
      assert.match(server.output(), new RegExp(`Node ${line.major}\\.`))
      await server.stop()
    })

    it(`falls back to tsx on ${line.name} for TypeScript that native stripping refuses (an enum)`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('enum-app.ts'), { args: ['--workers', '1'], node: line.node })
      assert.equal(await (await fetch(server.url + '/')).text(), 'Hello from an enum')
      await server.stop()
    })

    it(`reports a syntax error in a .ts app with its file and line on ${line.name} too`, { skip: line.skip }, async () => {
      const r = await runCli(['check', fixture('broken-syntax.ts')], { node: line.node })
      assert.equal(r.code, 4)
      assert.match(r.stderr, /broken-syntax\.ts:\d+/)
    })

    it(`binds one SO_REUSEPORT socket per worker on ${line.name} with --balance reuseport`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--balance', 'reuseport'], node: line.node })
      const pids = new Set<string>()
      for (let i = 0; i < 40 && pids.size < 2; i++) pids.add(await (await fetch(server.url + '/pid', { headers: { connection: 'close' } })).text())
      assert.equal(pids.size, 2, 'the kernel spread connections over both workers')
      assert.match(server.output(), /Balance: reuseport/)
      await server.stop()
    })
  }

  it('refuses --balance reuseport on a Node without it, saying what is needed', { skip: process.versions.node.startsWith('20') ? false : 'this Node has reusePort' }, async () => {
    const r = await runCli(['check', '--balance', 'reuseport'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /CORRAL_ERR_BALANCE: balance reuseport is not available here: needs Node >= 22\.12 on Linux/)
  })
})
