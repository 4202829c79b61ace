import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, freePort, startCorral } from '../support/corral.js'

const overUnix = (socketPath: string, path: string) => new Promise<string>((resolve, reject) => {
  request({ socketPath, path }, (res) => {
    let body = ''
    res.on('data', (d) => { body += d })
    res.on('end', () => resolve(body))
  }).on('error', reject).end()
})

describe('listen addresses', () => {
  it('listens on several --bind addresses at once, a unix socket among them, and removes the socket file on stop', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bind-'))
    const sock = join(dir, 'app.sock')
    writeFileSync(sock, '') // a stale file left by a crash must not block the bind
    const second = await freePort()
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2', '--bind', `unix:${sock}`, '--bind', `127.0.0.1:${second}`] })
    assert.equal(await (await fetch(server.url + '/')).text(), 'Hello, World!')
    assert.equal(await (await fetch(`http://127.0.0.1:${second}/`)).text(), 'Hello, World!')
    assert.equal(await overUnix(sock, '/'), 'Hello, World!')
    assert.match(server.output(), new RegExp(`Listening at: unix:${sock}`))
    assert.equal((await server.stop()).code, 0)
    assert.equal(existsSync(sock), false)
  })
})
