import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, nodeLines, ROOT, runCli, startCorral } from '../support/corral.js'

/**
 * A corral.config.ts that native type stripping refuses twice over: an enum, and an import of
 * corral's own .ts source, whose imports say .js. On Node 22 the retry through tsx read it as an
 * empty module and its settings were silently dropped (bench/results/reliability.md).
 */
function refusedConfig(): string {
  const d = mkdtempSync(join(tmpdir(), 'corral-ts-config-'))
  writeFileSync(join(d, 'corral.config.ts'), `
    import { defineConfig } from '${join(ROOT, 'src/index.ts')}'
    enum Workers { Three = 3 }
    export default defineConfig({ workers: Workers.Three, keepalive: 7 })
  `)
  return d
}

async function assertConfigRead(node: string | undefined): Promise<void> {
  const r = await runCli(['print-config', '--explain'], { cwd: refusedConfig(), node })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /^workers\s+= 3 .*# file .*corral\.config\.ts/m)
  assert.match(r.stdout, /^keepalive\s+= 7s .*# file/m)
}

describe('loading TypeScript apps', () => {
  it(`serves a .ts app on this Node (${process.version}) through tsx`, async (t) => {
    const server = await startCorral(t, fixture('hono-app.ts'), { args: ['--workers', '1'] })
    assert.equal(await (await fetch(server.url + '/')).text(), 'hono hello')
    await server.stop()
  })

  it(`reads a .ts config with an enum that imports corral's .ts source on this Node (${process.version})`, async () => {
    await assertConfigRead(undefined)
  })

  for (const line of nodeLines) {
    it(`serves a .ts app on ${line.name} with its native type stripping`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'], node: line.node })
      assert.equal(await (await fetch(server.url + '/')).text(), 'Hello, World!')
      assert.match(server.output(), new RegExp(`Node ${line.major}\\.`))
      await server.stop()
    })

    it(`serves a .ts app whose imports say .js with native type stripping on ${line.name}, not tsx`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('js-specifiers/app.ts'), { args: ['--workers', '1'], node: line.node })
      const body = await (await fetch(server.url + '/')).text()
      assert.match(body, /^hello, native file:\/\/\S+\/js-specifiers\/app\.ts$/, 'the app is the plain file, not a tsx namespace: ' + body)
      await server.stop()
    })

    it(`falls back to tsx on ${line.name} for TypeScript that native stripping refuses (an enum)`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('enum-app.ts'), { args: ['--workers', '1'], node: line.node })
      assert.equal(await (await fetch(server.url + '/')).text(), 'Hello from an enum')
      await server.stop()
    })

    it(`reads a .ts config that native stripping refuses through tsx on ${line.name}, settings and all`, { skip: line.skip }, async () => {
      await assertConfigRead(line.node)
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
