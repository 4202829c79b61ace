/**
 * corral under systemd: socket activation (sd_listen_fds: LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES)
 * through Debian's systemd-socket-activate, which passes sockets exactly as systemd does, and
 * sd_notify (READY, RELOADING, STOPPING, MAINPID, STATUS) to a NOTIFY_SOCKET the test binds.
 * Issue 14, part 5.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fixture, freePort, startCorral } from '../support/corral.js'
import { notifySocket } from '../support/notify-socket.js'
import { needTool } from '../support/tools.js'

const activate = (listen: string[], names: string) => ['systemd-socket-activate', ...listen.flatMap((l) => ['-l', l]), `--fdname=${names}`]

describe('systemd socket activation', () => {
  it('serves on the sockets systemd passes, answers the connection that started it, and keeps them while a crashed worker is replaced', async (t) => {
    if (!needTool(t, 'systemd-socket-activate')) return
    const port = await freePort()
    const adminPort = await freePort()
    const app = `http://127.0.0.1:${port}`
    const server = await startCorral(t, fixture('fetch-app.ts'), {
      launcher: activate([`127.0.0.1:${port}`, `127.0.0.1:${adminPort}`], 'web:admin'),
      args: ['--workers', '1'],
      noWait: true,
    })
    // systemd-socket-activate starts corral on the first connection, which waits in the socket's queue meanwhile.
    await server.waitFor(/Listening on .* as 4\./)
    const first = await fetch(`${app}/pid`)
    assert.equal(first.status, 200)
    const firstPid = await first.text()
    await server.waitFor(new RegExp(`Listening at: http://127\\.0\\.0\\.1:${port} \\(\\d+, fd 3 from systemd\\)`))
    await server.waitFor(new RegExp(`Admin at: http://127\\.0\\.0\\.1:${adminPort}`))
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 200, 'the admin endpoints answer on the socket named "admin"')

    // The only worker dies. The master holds the socket, so requests sent while it is replaced wait
    // and are answered by the new worker instead of being refused.
    assert.equal(await (await fetch(`${app}/crash`)).text(), 'crashing')
    await server.waitFor(/died .*starting another/)
    const during = await Promise.all(Array.from({ length: 10 }, () => fetch(`${app}/pid`).then(async (r) => ({ status: r.status, pid: await r.text() }))))
    for (const r of during) assert.equal(r.status, 200)
    assert.ok(during.every((r) => r.pid !== firstPid), 'answered by the replacement worker')
    assert.equal((await server.stop()).code, 0)
  })

  it('refuses --balance reuseport with sockets from systemd, naming the setting and what to use', async (t) => {
    if (!needTool(t, 'systemd-socket-activate')) return
    const port = await freePort()
    const server = await startCorral(t, fixture('fetch-app.ts'), {
      launcher: activate([`127.0.0.1:${port}`], 'web'),
      args: ['--balance', 'reuseport'],
      noWait: true,
    })
    await server.waitFor(/Listening on .* as 3\./)
    await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined)
    const { code } = await server.exited
    assert.equal(code, 2)
    assert.match(server.output(), /CORRAL_ERR_BALANCE: balance reuseport is not available here: the listening sockets come from systemd; use --balance round-robin/)
  })

  it('leaves sockets meant for another process (LISTEN_PID) alone, says how to start corral, and binds its own', async (t) => {
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'], env: { LISTEN_FDS: '1', LISTEN_PID: '1' } })
    assert.match(server.output(), /Not using the sockets from systemd: LISTEN_PID is 1, not this process \(\d+\): start corral with exec/)
    assert.equal(await (await fetch(server.url + '/')).text(), 'Hello, World!')
  })
})

describe('sd_notify', () => {
  it('tells NOTIFY_SOCKET READY with the master pid and status, RELOADING then READY around a reload, and STOPPING first on SIGTERM', async (t) => {
    if (!needTool(t, 'systemd-notify') || !needTool(t, 'python3')) return
    const notify = await notifySocket(t)
    const server = await startCorral(t, fixture('fetch-app.ts'), { args: ['--workers', '1'], env: { NOTIFY_SOCKET: notify.path } })
    const ready = await notify.until({ READY: '1' })
    assert.equal(ready.MAINPID, String(server.child.pid))
    assert.equal(ready.STATUS, `serving on ${server.url} with 1 workers`)

    const mark = notify.messages.length
    server.child.kill('SIGHUP')
    const reloading = await notify.until({ RELOADING: '1' }, 20_000, mark)
    assert.match(reloading.MONOTONIC_USEC, /^\d+$/)
    await server.waitFor(/Reload done/)
    const after = notify.messages.indexOf(reloading)
    await notify.until({ READY: '1' }, 20_000, after + 1)

    const beforeStop = notify.messages.length
    server.child.kill('SIGTERM')
    assert.equal((await server.exited).code, 0)
    const stopping = await notify.until({ STOPPING: '1' }, 5000, beforeStop)
    assert.equal(stopping.MAINPID, String(server.child.pid))
    assert.equal(notify.messages.slice(beforeStop).filter((m) => m.READY === '1').length, 0, 'nothing says ready once stopping')
  })
})
