import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
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

/**
 * A project with TypeScript modules that import each other (`./x.js` naming x.ts, as tsc asks), an
 * enum, a file read beside a module through import.meta.url, a config whose hook and the app share
 * a module, a package import, and a line that throws.
 */
function aheadProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'corral-ahead-'))
  mkdirSync(join(dir, 'lib'))
  // The one package it imports, linked from corral's own: the compiled files land in this project's
  // node_modules/.cache, removed with it.
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(join(ROOT, 'node_modules', 'hono'), join(dir, 'node_modules', 'hono'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(join(dir, 'lib', 'words.txt'), 'read beside the module')
  writeFileSync(join(dir, 'lib', 'greet.ts'), [
    `import { readFileSync } from 'node:fs'`,
    `export enum Tone { Warm = 'warm' }`,
    `export const words: string = readFileSync(new URL('./words.txt', import.meta.url), 'utf8')`,
    `export const where: string = import.meta.url`,
    `export function fail(): never {`,
    `  throw new Error('thrown on purpose')`,
    `}`,
  ].join('\n'))
  writeFileSync(join(dir, 'shared.ts'), `export const state: { by: string } = { by: 'nobody' }\n`)
  writeFileSync(join(dir, 'corral.config.ts'), `import { state } from './shared.js'\nexport default { postFork(): void { state.by = 'the config hook' } }\n`)
  writeFileSync(join(dir, 'app.ts'), [
    `import { Hono } from 'hono'`,
    `import { Tone, words, where, fail } from './lib/greet.js'`,
    `import { state } from './shared.js'`,
    `const app = new Hono()`,
    `app.get('/', (c) => c.json({ tone: Tone.Warm, words, where, by: state.by }))`,
    `app.get('/fail', () => fail())`,
    `export default app`,
  ].join('\n'))
  return dir
}

describe('TypeScript compiled ahead by the master', { skip: (process.features as { typescript?: unknown }).typescript ? `Node ${process.version} strips types itself` : false }, () => {
  it('serves the app from JavaScript compiled once, module for module, with no loader in the workers', async (t) => {
    const dir = aheadProject()
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const server = await startCorral(t, join(dir, 'app.ts'), { args: ['--workers', '2', '--config', join(dir, 'corral.config.ts')], env: { CORRAL_LOG_LEVEL: 'debug' } })
    assert.match(server.output(), /TypeScript: compiled 4 files ahead/)
    assert.equal(server.output().match(/imported the app as JavaScript compiled ahead by the master/g)?.length, 2, server.output())
    assert.deepEqual(await (await fetch(server.url + '/')).json(), {
      tone: 'warm', words: 'read beside the module', where: pathToFileURL(join(dir, 'lib', 'greet.ts')).href,
      by: 'the config hook', // one module shared by the config and the app, as under tsx: not a copy each
    })
    assert.equal((await fetch(server.url + '/fail')).status, 500)
    await server.waitFor(/thrown on purpose/)
    assert.match(server.output(), /greet\.ts:6/, 'the stack names the .ts file and line')
    assert.equal((await server.stop()).code, 0)
  })

  it('imports a source changed since the compile through tsx: a worker never serves it stale', async (t) => {
    const dir = aheadProject()
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const server = await startCorral(t, join(dir, 'app.ts'), { args: ['--workers', '1'], env: { CORRAL_LOG_LEVEL: 'debug' } })
    assert.equal((await (await fetch(server.url + '/')).json() as { words: string }).words, 'read beside the module')
    // Changed on disk with no reload: the worker that replaces a killed one must not run the old code.
    writeFileSync(join(dir, 'lib', 'greet.ts'), readFileSync(join(dir, 'lib', 'greet.ts'), 'utf8').replace(`readFileSync(new URL('./words.txt', import.meta.url), 'utf8')`, `'changed on disk'`))
    const [worker] = (await (await fetch(server.admin + '/status')).json() as { workers: { pid: number }[] }).workers
    process.kill(worker.pid, 'SIGKILL')
    // Two processes' lines, each written asynchronously: the master's "worker ready" can come first.
    await server.waitFor(/imported the app through tsx: nothing compiled ahead matches its sources/, 60_000)
    await server.waitFor(/worker ready \{"worker":2/, 60_000)
    assert.equal((await (await fetch(server.url + '/')).json() as { words: string }).words, 'changed on disk')
    assert.equal((await server.stop()).code, 0)
  })
})
