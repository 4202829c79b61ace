import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, startCorral } from '../support/corral.js'
import { linesOf } from '../support/file-lines.js'


describe('the access log', () => {
  it("writes Gunicorn's default format, with the request time in microseconds", async (t) => {
    const file = join(mkdtempSync(join(tmpdir(), 'access-')), 'access.log')
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--access-log', file] })
    await (await fetch(server.url + '/pid?x=1', { headers: { 'user-agent': 'test-agent/1.0', referer: 'http://example.test/' } })).text()
    const [line] = await linesOf(file, 1)
    const m = /^(\S+) - - \[(\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "GET \/pid\?x=1 HTTP\/1\.1" 200 (\d+) "http:\/\/example\.test\/" "test-agent\/1\.0" (\d+)$/.exec(line)
    assert.ok(m, line)
    assert.equal(m[1], '127.0.0.1')
    assert.ok(Number(m[3]) > 0, 'body bytes counted')
    assert.ok(Number(m[4]) > 0, 'duration in µs')
    await server.stop()
  })

  it('takes other Gunicorn atoms, header atoms and a JSON format', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'access-'))
    const atoms = join(dir, 'atoms.log')
    const format = '%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(b)s|%(M)s|%(L)s|%({x-trace}i)s|%({content-type}o)s|%(p)s'
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--access-log', atoms, '--access-log-format', format] })
    await (await fetch(server.url + '/ctx?a=b', { headers: { 'x-trace': 'abc' } })).text()
    const [line] = await linesOf(atoms, 1)
    const f = line.split('|')
    assert.deepEqual(f.slice(0, 5), ['GET', '/ctx', 'a=b', 'HTTP/1.1', '200'])
    assert.ok(Number(f[5]) > 0)
    assert.match(f[6], /^\d+$/)
    assert.match(f[7], /^\d+\.\d{6}$/)
    assert.equal(f[8], 'abc')
    assert.equal(f[9], 'application/json')
    assert.match(f[10], /^<\d+>$/)
    await server.stop()

    const json = join(dir, 'json.log')
    const js = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--access-log', json, '--access-log-format', 'json'] })
    await (await fetch(js.url + '/throw')).text()
    const entry = JSON.parse((await linesOf(json, 1))[0])
    assert.equal(entry.method, 'GET')
    assert.equal(entry.url, '/throw')
    assert.equal(entry.status, 500)
    assert.equal(entry.worker, 1)
    assert.ok(entry.durationMs >= 0)
    assert.match(entry.requestId, /\S/)
    await js.stop()
  })

  it('reopens its file on SIGUSR1, so logrotate can move it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'access-'))
    const file = join(dir, 'access.log')
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1', '--access-log', file] })
    await (await fetch(server.url + '/one')).text()
    await linesOf(file, 1)
    renameSync(file, file + '.1')
    process.kill(server.child.pid!, 'SIGUSR1')
    await server.waitFor(/Reopened the log files \(SIGUSR1\)/)
    await (await fetch(server.url + '/two')).text()
    const fresh = await linesOf(file, 1)
    assert.equal(fresh.length, 1)
    assert.match(fresh[0], /GET \/two/)
    assert.match(readFileSync(file + '.1', 'utf8'), /GET \/one/)
    await server.stop()
  })
})
