import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { fixture, runCli, startCorral } from '../support/corral.js'
import { fingerprint, makeCerts, renewServer } from '../support/certs.js'
import { tlsGet } from '../support/tls-client.js'

const certs = makeCerts()
const tlsArgs = (c = certs.server) => ['--certfile', c.cert, '--keyfile', c.key]

describe('TLS', () => {
  after(() => rmSync(certs.dir, { recursive: true, force: true }))

  it('serves https with the given certificate, and ctx.protocol, the access log and wss:// say https', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), {
      args: ['--workers', '1', ...tlsArgs(), '--access-log', '-', '--access-log-format', '%(S)s %(r)s %(s)s'],
    })
    assert.match(server.output(), /Listening at: https:\/\/127\.0\.0\.1:/)
    const https = server.url.replace('http:', 'https:')
    const r = await tlsGet(`${https}/ctx`, { ca: certs.ca.cert })
    assert.equal(r.status, 200)
    assert.equal(r.fingerprint, fingerprint(certs.server.cert))
    const ctx = JSON.parse(r.body)
    assert.equal(ctx.protocol, 'https')
    assert.equal(ctx.url, `${https}/ctx`)
    assert.equal(ctx.client, null, 'no client certificate without --ca-certs')
    await server.waitFor(/^https GET \/ctx HTTP\/1\.1 200$/m)

    const ws = new WebSocket(`${https.replace('https:', 'wss:')}/echo`, { ca: readFileSync(certs.ca.cert) })
    const greeting = await new Promise<string>((resolve, reject) => { ws.once('message', (d) => resolve(String(d))); ws.once('error', reject) })
    assert.match(greeting, /^hello from \d+ over https$/)
    ws.close()
    assert.equal((await server.stop()).code, 0)
  })

  it('reads the certificate again on SIGHUP: a renewal is served without a restart, a broken one is refused and the old one kept', async (t) => {
    const live = { cert: join(certs.dir, 'live.pem'), key: join(certs.dir, 'live.key') }
    copyFileSync(certs.server.cert, live.cert)
    copyFileSync(certs.server.key, live.key)
    const server = await startCorral(t, fixture('protocols-app.ts'), { args: ['--workers', '1', ...tlsArgs(live)] })
    const https = server.url.replace('http:', 'https:')
    assert.equal((await tlsGet(`${https}/ctx`, { ca: certs.ca.cert })).fingerprint, fingerprint(certs.server.cert))

    writeFileSync(live.key, 'not a key\n')
    process.kill(server.child.pid!, 'SIGHUP')
    await server.waitFor(/reload refused: the config does not load \(setting keyfile: .*holds no PEM block\); nothing changed/)
    assert.equal((await tlsGet(`${https}/ctx`, { ca: certs.ca.cert })).fingerprint, fingerprint(certs.server.cert), 'the old certificate is still served')

    const renewed = renewServer(certs, 'renewed')
    copyFileSync(renewed.cert, live.cert)
    copyFileSync(renewed.key, live.key)
    process.kill(server.child.pid!, 'SIGHUP')
    await server.waitFor(/Reload done: generation 2 serving/)
    const after = await tlsGet(`${https}/ctx`, { ca: certs.ca.cert })
    assert.equal(after.status, 200)
    assert.equal(after.fingerprint, fingerprint(renewed.cert), 'the renewed certificate is served')
    assert.notEqual(fingerprint(renewed.cert), fingerprint(certs.server.cert))
    assert.equal((await server.stop()).code, 0)
  })

  it('with --ca-certs refuses a client without a certificate and shows the app the one a client presents', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), { args: ['--workers', '1', ...tlsArgs(), '--ca-certs', certs.ca.cert] })
    const https = server.url.replace('http:', 'https:')
    await assert.rejects(tlsGet(`${https}/ctx`, { ca: certs.ca.cert }), /certificate required|ECONNRESET|socket hang up/)
    const r = await tlsGet(`${https}/ctx`, { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key })
    assert.equal(r.status, 200)
    const { client } = JSON.parse(r.body)
    assert.equal(client.authorized, true)
    assert.equal(client.subject.CN, 'test client')
    assert.equal(client.issuer.CN, 'corral test CA')
    assert.equal(client.fingerprint256, fingerprint(certs.client.cert))
    const again = await tlsGet(`${https}/ctx`, { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key })
    assert.equal(again.status, 200, 'the worker serves on after refusing a client')
    await server.stop()
  })

  it('keeps to --tls-min-version and --ciphers', async (t) => {
    const server = await startCorral(t, fixture('protocols-app.ts'), {
      args: ['--workers', '1', ...tlsArgs(), '--tls-min-version', '1.3', '--ciphers', 'TLS_AES_256_GCM_SHA384'],
    })
    const https = server.url.replace('http:', 'https:')
    await assert.rejects(tlsGet(`${https}/ctx`, { ca: certs.ca.cert, maxVersion: 'TLSv1.2' }), /protocol version|alert|ECONNRESET/)
    const r = await tlsGet(`${https}/ctx`, { ca: certs.ca.cert })
    assert.equal(r.version, 'TLSv1.3')
    assert.equal(r.cipher, 'TLS_AES_256_GCM_SHA384')
    await server.stop()
  })

  it('stops at startup naming the setting when a TLS file or value is wrong', async () => {
    const app = fixture('protocols-app.ts')
    const cases: [string[], RegExp][] = [
      [['serve', app, '--certfile', certs.server.cert, '--keyfile', certs.client.key], /setting keyfile: expected a readable, unencrypted PEM private key file matching --certfile, received ".*client\.key" \(from cli --keyfile\): key values mismatch/],
      [['check', app, '--certfile', join(certs.dir, 'missing.pem'), '--keyfile', certs.server.key], /setting certfile: .*received ".*missing\.pem" \(from cli --certfile\): no such file/],
      [['check', app, '--certfile', certs.server.cert], /setting keyfile: .*--certfile is given without its key/],
      [['check', app, ...tlsArgs(), '--ciphers', 'NO-SUCH-CIPHER'], /setting ciphers: expected an OpenSSL cipher list .*"NO-SUCH-CIPHER" \(from cli --ciphers\): no cipher match/],
      [['check', app, '--http2'], /setting http2: expected HTTP\/2 over TLS only together with --certfile; for cleartext HTTP\/2 use --h2c/],
      [['check', app, '--tls-min-version', '1.1'], /setting tlsMinVersion: expected "TLSv1\.2" or "TLSv1\.3"/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, message)
    }
  })
})
