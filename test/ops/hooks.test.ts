import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fixture, startCorral } from '../support/corral.js'

type Entry = { hook: string; pid: number; [k: string]: unknown }
const readLog = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Entry)

/** Wait (bounded) until the hooks' own log shows what `seen` looks for. */
async function untilLogged(file: string, what: string, seen: (entries: Entry[]) => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const entries = existsSync(file) ? readLog(file) : []
    if (seen(entries)) return
    if (Date.now() > deadline) throw new Error(`the hook log never showed ${what}: ${entries.map((e) => e.hook).join(', ')}`)
    await sleep(50)
  }
}

describe('server hooks from corral.config.ts', () => {
  it('calls each hook in lifecycle order with the right arguments', async (t) => {
    const hookLog = join(mkdtempSync(join(tmpdir(), 'hooks-')), 'hooks.jsonl')
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--config', fixture('hooks.config.ts')], env: { HOOK_LOG: hookLog } })
    // "Listening at" is logged before the master calls whenReady: a request sent on it alone could
    // reach a worker (preRequest) before whenReady was logged.
    await untilLogged(hookLog, 'whenReady', (e) => e.some((x) => x.hook === 'whenReady'))
    await (await fetch(server.url + '/pid')).text()
    process.kill(server.child.pid!, 'SIGTTIN')
    await server.waitFor(/Scaling workers from 2 to 3/)
    await untilLogged(hookLog, 'the third worker initialised', (e) => e.filter((x) => x.hook === 'postWorkerInit').length === 3)
    await server.stop()
    const entries = readLog(hookLog)
    const hooks = entries.map((e) => e.hook)
    const master = server.child.pid
    const first = (name: string) => hooks.indexOf(name)
    assert.equal(hooks[0], 'onStarting')
    assert.ok(first('preFork') > first('onStarting'))
    assert.ok(first('postFork') > first('preFork'))
    assert.ok(first('postWorkerInit') > first('postFork'))
    assert.ok(first('whenReady') > first('postWorkerInit'))
    assert.ok(first('preRequest') > first('whenReady'))
    assert.ok(first('postRequest') > first('preRequest'))
    assert.ok(first('nworkersChanged') > first('postRequest'))
    assert.ok(first('workerExit') > first('nworkersChanged'))
    assert.ok(first('childExit') > first('workerExit') - 1)
    assert.equal(hooks.at(-1), 'onExit')
    for (const e of entries.filter((e) => ['onStarting', 'preFork', 'whenReady', 'childExit', 'nworkersChanged', 'onExit'].includes(e.hook))) {
      assert.equal(e.pid, master, `${e.hook} runs in the master`)
    }
    for (const e of entries.filter((e) => ['postFork', 'postWorkerInit', 'preRequest', 'postRequest', 'workerExit'].includes(e.hook))) {
      assert.notEqual(e.pid, master, `${e.hook} runs in a worker`)
    }
    assert.deepEqual(entries.find((e) => e.hook === 'whenReady')!.workers, 2)
    const pre = entries.find((e) => e.hook === 'preRequest')!
    assert.equal(pre.method, 'GET')
    assert.equal(pre.url, '/pid')
    const post = entries.find((e) => e.hook === 'postRequest')!
    assert.equal(post.status, 200)
    assert.equal(post.hasDuration, true)
    assert.equal(entries.filter((e) => e.hook === 'postWorkerInit').length, 3, 'two workers at boot and one from TTIN')
    assert.deepEqual(entries.find((e) => e.hook === 'nworkersChanged'), { ...entries.find((e) => e.hook === 'nworkersChanged'), now: 3, before: 2 })
    assert.equal(entries.filter((e) => e.hook === 'childExit').length, 3)
    assert.ok(entries.filter((e) => e.hook === 'childExit').every((e) => e.reason === 'stop'))
  })

  it('stops startup with CORRAL_ERR_HOOK and the hook name when a boot hook throws', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--config', fixture('failing-hook.config.ts')], noWait: true })
    const { code } = await server.exited
    assert.equal(code, 6)
    assert.match(server.output(), /CORRAL_ERR_HOOK: hook onStarting failed: Error: the license server said no/)
  })

  it('logs a hook that throws while serving, with its name, and serves on', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--config', fixture('runtime-hook-error.config.ts')] })
    const res = await fetch(server.url + '/')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'Hello, World!')
    await server.waitFor(/hook preRequest failed; the server goes on/)
    await server.stop()
  })
})
