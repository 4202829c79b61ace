/**
 * Node 20 loads its bundled undici the first time Headers, Request or Response is read, and that
 * was the largest cost in a worker's boot. A worker must not load it until a request needs a real
 * one, and must answer instanceof as before once it has: for the light request, headers and
 * response it hands the app, and for the app's own reads of the globals. On Node 22 and later the
 * globals are plain values and only the instanceof answers are checked.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fixture, nodeLines, ROOT, startCorral } from '../support/corral.js'

const lines = [{ name: `Node ${process.versions.node.split('.')[0]}`, node: process.execPath as string | undefined, skip: false as string | false }, ...nodeLines]

describe('Node\'s Web classes in a worker', () => {
  for (const line of lines) {
    it(`are loaded only when a request needs them, and instanceof answers as before (${line.name})`, { skip: line.skip }, async (t) => {
      const server = await startCorral(t, fixture('web-classes-app.ts'), { node: line.node, args: ['--workers', '1'] })
      t.after(() => server.stop())
      const light = await (await fetch(`${server.url}/light`, { headers: { 'x-probe': 'p1' } })).json() as Record<string, unknown>
      assert.equal(light.light, true, 'a light Response is an instance of Response')
      assert.equal(light.probe, 'p1')
      if (light.lazyGlobals) assert.equal(light.undici, false, 'a small handler\'s request did not load Node\'s undici')
      const fetched = await fetch(`${server.url}/fetched`)
      assert.equal(fetched.status, 200, 'a Response from Node\'s fetch is a Response')
      assert.equal(await fetched.text(), 'fetched')
      const withHeaders = await fetch(`${server.url}/fetched-headers`)
      assert.equal(withHeaders.headers.get('content-type'), 'application/json', 'a Headers from Node\'s fetch is a Headers')
      assert.equal(await withHeaders.text(), 'with its headers')
      const full = await (await fetch(`${server.url}/full`)).json() as Record<string, unknown>
      assert.deepEqual(full, { request: true, headers: true, response: true, undici: true, tag: '[object Headers]', type: 'function' })
    })
  }

  it('leave a global the app replaced as it was, and link the light classes when one is read', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture('web-classes-probe.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
    assert.equal(run.status, 0, run.stderr)
    const { lazyGlobals, before, after } = JSON.parse(run.stdout) as Record<string, Record<string, unknown>> & { lazyGlobals: boolean }
    assert.deepEqual(before, { undici: !lazyGlobals, lightIsResponse: true, lazyGet: '1' })
    assert.deepEqual(after, {
      undici: true, headersIsNative: true, headersIsValue: true, lazyIsHeaders: true,
      requestStaysReplaced: true, responseStaysLight: true, lightIsNativeResponse: true, nativeIsResponse: true,
    })
  })
})
