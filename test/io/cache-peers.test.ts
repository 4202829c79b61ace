/**
 * One in-process cache across workers (issue 13 part 8): a set or del in one worker's memory
 * cache reaches the other workers, through the master, before the write's response goes out.
 * Each step writes through one worker and reads through the other, on a keep-alive connection
 * pinned to each (the answers name the worker), with no wait in between: a read sent after the
 * write's answer must already see it. Every value is cached for a minute, so without the sharing
 * the other worker would serve the old one for the whole test.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { Client } from 'undici'
import { startCorral, type Running } from '../support/corral.js'

const APP = fileURLToPath(new URL('./fixtures/cache-peers-app.ts', import.meta.url))

interface Answer { worker: number; value: unknown }

describe('one memory cache across two workers', () => {
  let server: Running
  const byWorker = new Map<number, Client>()
  const spare: Client[] = []

  const call = async (client: Client, method: string, path: string): Promise<Answer> => {
    const res = await client.request({ method, path })
    assert.equal(res.statusCode, 200, `${method} ${path}`)
    return await res.body.json() as Answer
  }
  /** Through worker id, on its pinned connection; checks the answer came from it. */
  const via = async (id: number, method: string, path: string) => {
    const answer = await call(byWorker.get(id)!, method, path)
    assert.equal(answer.worker, id, 'the pinned connection stays with its worker')
    return answer.value
  }

  before(async () => {
    server = await startCorral(undefined, APP, { args: ['--workers', '2', '--keepalive', '120'], timeoutMs: 60_000 })
    // The master hands each new connection to the next free worker: a few are enough to reach both.
    for (let i = 0; i < 20 && byWorker.size < 2; i++) {
      const client = new Client(server.url, { keepAliveTimeout: 120_000, pipelining: 1 })
      const { worker } = await call(client, 'GET', '/get?key=probe')
      if (byWorker.has(worker)) spare.push(client)
      else byWorker.set(worker, client)
    }
    assert.equal(byWorker.size, 2, 'reached both workers')
  })
  after(async () => {
    await Promise.all([...byWorker.values(), ...spare].map((c) => c.close()))
    await server?.stop()
  })

  it('shows a value set through one worker when read through the other', async () => {
    const [a, b] = [...byWorker.keys()]
    await via(a!, 'PUT', '/set?key=colour&value=red')
    assert.equal(await via(b!, 'GET', '/get?key=colour'), 'red')
    await via(b!, 'PUT', '/set?key=colour&value=blue')
    assert.equal(await via(a!, 'GET', '/get?key=colour'), 'blue')
  })

  it('forgets in every worker a value deleted through one', async () => {
    const [a, b] = [...byWorker.keys()]
    // Each worker fills its own copy by loading (a fill stays in its worker).
    assert.equal(await via(a!, 'GET', '/load?key=stock&value=5'), '5')
    assert.equal(await via(b!, 'GET', '/load?key=stock&value=5'), '5')
    await via(a!, 'DELETE', '/del?key=stock')
    assert.equal(await via(b!, 'GET', '/get?key=stock'), null)
    // The next load in the other worker reads the new truth rather than its old copy.
    assert.equal(await via(b!, 'GET', '/load?key=stock&value=4'), '4')
  })

  it('keeps a load in its own worker: the other worker loads for itself', async () => {
    const [a, b] = [...byWorker.keys()]
    assert.equal(await via(a!, 'GET', '/load?key=page&value=from-a'), 'from-a')
    assert.equal(await via(b!, 'GET', '/get?key=page'), null)
  })
})
