import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, startCorral } from '../support/corral.js'
import { status, statusUntil, type Status } from '../support/status.js'

const readyOf = (s: Status) => s.workers.filter((w) => w.state === 'ready').length
const ready = async (admin: string) => readyOf(await status(admin))
const until = (admin: string, n: number) => statusUntil(admin, `${n} ready workers`, (s) => readyOf(s) === n, 20_000)

describe('scaling with signals', () => {
  it('adds a worker on SIGTTIN and retires one on SIGTTOU, never below one', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '2'] })
    process.kill(server.child.pid!, 'SIGTTIN')
    await until(server.admin, 3)
    // Signals of one kind that arrive together merge into one (POSIX), so send one at a time.
    process.kill(server.child.pid!, 'SIGTTOU')
    await until(server.admin, 2)
    process.kill(server.child.pid!, 'SIGTTOU')
    await until(server.admin, 1)
    process.kill(server.child.pid!, 'SIGTTOU')
    await server.waitFor(/Scaling to 0 workers refused: keeping at least 1/)
    assert.equal(await ready(server.admin), 1, 'never below one worker')
    assert.equal((await fetch(server.url + '/')).status, 200)
    assert.match(server.output(), /Scaling workers from 2 to 3/)
    assert.match(server.output(), /Scaling workers from 3 to 2/)
    assert.match(server.output(), /Scaling workers from 2 to 1/)
    await server.stop()
  })
})
