import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, startCorral } from '../support/corral.js'
import { linesOf } from '../support/file-lines.js'

// A response the handler ends before returning is counted at once, without waiting for its
// 'close' (requests.ts). These check that such requests are still counted, logged, hooked and
// queued like the others.


/** corral_http_requests_total for one route and status, from Prometheus text (labels in any order). */
const metric = (text: string, route: string, status: string) => {
  const line = text.split('\n').find((l) => l.startsWith('corral_http_requests_total{') && l.includes(`route="${route}"`) && l.includes(`status="${status}"`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('responses ended inside the handler', () => {
  it('are counted in /metrics, written to the access log and passed to postRequest', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-'))
    const access = join(dir, 'access.log')
    const hookLog = join(dir, 'hooks.log')
    const server = await startCorral(t, fixture('sync-app.ts'), {
      args: ['--workers', '2', '--access-log', access, '--access-log-format', 'json', '--config', fixture('hooks.config.ts')],
      env: { HOOK_LOG: hookLog },
    })
    for (let i = 0; i < 20; i++) {
      const res = await fetch(server.url + '/a')
      assert.equal(await res.text(), 'sync /a')
      if (i % 4 === 0) assert.equal((await fetch(server.url + '/throw')).status, 500)
    }
    const text = await (await fetch(server.admin + '/metrics')).text()
    assert.equal(metric(text, '/a', '200'), 20)
    assert.equal(metric(text, '/throw', '500'), 5)
    const logged = (await linesOf(access, 25)).map((l) => JSON.parse(l) as { status: number; bytes?: number; url?: string })
    assert.equal(logged.length, 25)
    const ok = logged.filter((l) => l.status === 200)
    assert.equal(ok.length, 20)
    for (const l of ok) assert.equal(l.bytes, Buffer.byteLength('sync /a'))
    const hooks = readFileSync(hookLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { hook: string; url?: string; status?: number })
    assert.equal(hooks.filter((h) => h.hook === 'postRequest' && h.url === '/a' && h.status === 200).length, 20)
    await server.stop()
  })

  it('in the sync worker class, a queue of hundreds all get answered', async (t) => {
    const server = await startCorral(t, fixture('sync-app.ts'), { args: ['--workers', '1', '--worker-class', 'sync'] })
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => fetch(server.url + `/q${i}`).then(async (r) => [r.status, await r.text()] as const)))
    for (const [i, [status, body]] of answers.entries()) {
      assert.equal(status, 200)
      assert.equal(body, `sync /q${i}`)
    }
    await server.stop()
  })
})
