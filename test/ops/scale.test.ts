import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral } from '../support/corral.js'

const ready = async (admin: string) => ((await (await fetch(admin + '/status')).json() as any).workers as { state: string }[]).filter((w) => w.state === 'ready').length

async function until(admin: string, n: number) {
  const end = Date.now() + 20_000
  while (Date.now() < end) {
    if (await ready(admin) === n) return
    await sleep(100)
  }
  throw new Error(`never reached ${n} ready workers`)
}

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
    await sleep(1000)
    assert.equal(await ready(server.admin), 1, 'never below one worker')
    assert.equal((await fetch(server.url + '/')).status, 200)
    assert.match(server.output(), /Scaling workers from 2 to 3/)
    assert.match(server.output(), /Scaling workers from 3 to 2/)
    assert.match(server.output(), /Scaling workers from 2 to 1/)
    await server.stop()
  })
})
