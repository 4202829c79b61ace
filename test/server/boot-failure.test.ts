import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'

/** A broken app stops corral with the app's own error and a non-zero exit, instead of a restart loop. */
describe('an app that cannot boot', () => {
  const cases: [string, string, RegExp, number][] = [
    ['a syntax error, naming the file and line', 'broken-syntax.ts', /CORRAL_ERR_APP_LOAD: cannot load app .*broken-syntax\.ts[\s\S]*broken-syntax\.ts:\d+/, 4],
    ['a JavaScript syntax error in an imported module, naming its file, line and column', 'broken-js-app.mjs', /CORRAL_ERR_APP_LOAD: cannot load app .*broken-js-app\.mjs: .*broken-js-module\.mjs:3:28\n/, 4],
    ['a missing export, naming what the module exports', 'missing-export.ts', /CORRAL_ERR_APP_EXPORT: .*missing-export\.ts: it has no export named "default" or "app" \(it exports: somethingElse\)/, 4],
    ['a factory that throws, with its message', 'factory-throws.ts', /CORRAL_ERR_APP_LOAD: [\s\S]*its factory threw: Error: database unreachable at boot/, 4],
    ['an export that is not an app', 'not-an-app.ts', /CORRAL_ERR_APP_EXPORT: .*it is string; export a fetch handler/, 4],
    ['a file that does not exist', 'no-such-app.ts', /CORRAL_ERR_APP_LOAD: cannot load app .*no-such-app\.ts: no such file/, 4],
  ]
  for (const [what, app, message, exit] of cases) {
    it(`stops with ${what}`, async (t) => {
      const server = await startCorral(t, fixture(app), { args: ['--workers', '2'], noWait: true })
      const { code } = await server.exited
      assert.equal(code, exit, server.output())
      assert.match(server.output(), message)
      const boots = server.output().match(/Booting worker/g) ?? []
      assert.equal(boots.length, 2, 'each worker is spawned once: no restart loop')
      assert.doesNotMatch(server.output(), /Listening at/)
    })
  }
})
