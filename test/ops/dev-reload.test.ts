/**
 * `corral serve --reload` (docs/reload.md): a temp copy of test/fixtures/reload-app is edited and
 * every wait is for the server's own evidence (the new answer, a log line), never a sleep.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fixture, startCorral, type Running } from '../support/corral.js'
import { pollFor } from '../support/poll.js'

const answer = async (server: Running) => (await (await fetch(server.url + '/')).text()).trim()

/** Ask until the server answers `expected` (each answer is the evidence), for at most `timeoutMs`. */
async function untilAnswer(server: Running, expected: string, timeoutMs = 30_000): Promise<void> {
  let last = ''
  await pollFor(`the answer ${JSON.stringify(expected)}`, async () => {
    last = await answer(server).catch((err) => `(error: ${(err as Error).message})`)
    return last === expected
  }, { timeoutMs, last: () => `the server still answers ${JSON.stringify(last)}; its log:\n${server.output()}` })
}

describe('corral serve --reload', () => {
  it('rolls the workers onto an edited module of the app, keeps the old ones serving through a syntax error, and reads an edited config', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-reload-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    cpSync(fixture('reload-app'), dir, { recursive: true })
    const message = join(dir, 'lib', 'message.ts')
    const server = await startCorral(t, join(dir, 'app.ts'), { args: ['--reload', '--config', join(dir, 'corral.config.ts')] })
    await server.waitFor(/Reload on change \(--reload\): watching \d+ files/)
    assert.equal(await answer(server), 'v1')

    // lib/message.ts is in another folder than the app: the worker loaded it, so it is watched.
    writeFileSync(message, "export const message: string = 'v2'\n")
    await untilAnswer(server, 'v2')
    await server.waitFor(/the new code is serving, \d+ms after the change was seen/)

    writeFileSync(message, "export const message: string = 'v3\n")
    const refused = await server.waitFor(/reload stopped: new worker \d+ did not become ready[\s\S]*?the old workers keep serving/)
    assert.match(refused, /lib[\\/]message\.ts:1/, 'the error names the file and its line')
    assert.equal(await answer(server), 'v2', 'the old worker serves on')

    writeFileSync(message, "export const message: string = 'v3'\n")
    await untilAnswer(server, 'v3')

    // The config is read again too: the new worker count is applied.
    writeFileSync(join(dir, 'corral.config.ts'), 'export default { workers: 2 }\n')
    await server.waitFor(/Scaling workers from 1 to 2/)
    assert.equal(await answer(server), 'v3')
    assert.equal((await server.stop()).code, 0)
    if (process.env.SHOW) console.log(server.output())
  })
})
