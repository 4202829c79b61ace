/**
 * The files in deploy/ agree with corral's settings: the ports each one names, the probe and health
 * check paths (asked of a running corral), and the timeouts around --graceful-timeout and
 * --keepalive. Each file's settings are read through corral's own loader, from the environment the
 * file gives corral. Issue 14, part 8.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import type { Settings } from '../../src/config/settings/index.js'
import { ROOT, fixture, freePort, runCli, startCorral } from '../support/corral.js'
import { needTool } from '../support/tools.js'

const file = (p: string) => readFileSync(join(ROOT, 'deploy', p), 'utf8')
const empty = mkdtempSync(join(tmpdir(), 'deploy-files-'))
/** corral's settings from this environment alone (no config file, no flags). */
const settingsFrom = async (env: Record<string, string>): Promise<Settings> => (await loadConfig({ env, argv: [], cwd: empty })).settings
const adminPort = (s: Settings) => (s.adminBind?.kind === 'tcp' ? s.adminBind.port : -1)

/** The admin paths a running corral answers 200 on, for the probes and health checks to name. */
async function adminAnswers(paths: string[]): Promise<Record<string, number>> {
  const server = await startCorral(undefined, fixture('fetch-app.ts'), { args: ['--workers', '1'] })
  try {
    const out: Record<string, number> = {}
    for (const p of paths) out[p] = (await fetch(server.admin + p)).status
    return out
  } finally {
    await server.stop()
  }
}

interface Unit { [section: string]: Record<string, string[]> }
function unit(text: string): Unit {
  const out: Unit = {}
  let section = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const head = /^\[(.+)\]$/.exec(line)
    if (head) { section = head[1]; out[section] ??= {}; continue }
    const [key, ...rest] = line.split('=')
    ;(out[section][key] ??= []).push(rest.join('='))
  }
  return out
}

describe('deploy files agree with the settings', () => {
  it('Kubernetes: container ports, probes on the admin port at paths corral serves, a grace period past preStop plus --graceful-timeout, a CPU limit for --workers auto', async () => {
    const docs = parseAllDocuments(file('kubernetes/corral.yaml')).map((d) => d.toJS())
    const deployment = docs.find((d) => d.kind === 'Deployment')
    const service = docs.find((d) => d.kind === 'Service')
    const pod = deployment.spec.template.spec
    const c = pod.containers[0]
    const env = Object.fromEntries(c.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]))
    const s = await settingsFrom(env)
    const port = (name: string) => c.ports.find((p: { name: string }) => p.name === name).containerPort
    assert.equal(port('http'), s.port)
    assert.equal(s.host, '0.0.0.0', 'the app port is reachable from outside the pod')
    assert.equal(port('admin'), adminPort(s))
    assert.equal(s.adminBind?.kind === 'tcp' && s.adminBind.host, '0.0.0.0', 'the kubelet reaches the admin port on the pod address')
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) assert.equal(port(probe.httpGet.port), adminPort(s), 'probes use the admin port, not the public one')
    assert.equal(c.readinessProbe.httpGet.path, '/readyz')
    assert.equal(c.livenessProbe.httpGet.path, '/healthz')
    const answers = await adminAnswers([c.startupProbe.httpGet.path, c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path])
    assert.ok(Object.values(answers).every((status) => status === 200), JSON.stringify(answers))

    const preStop = Number(c.lifecycle.preStop.exec.command.at(-1))
    assert.ok(pod.terminationGracePeriodSeconds > preStop + s.gracefulTimeout / 1000,
      `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} > preStop ${preStop}s + graceful timeout ${s.gracefulTimeout / 1000}s`)
    assert.equal(s.workers, 'auto')
    assert.ok(!('WEB_CONCURRENCY' in env), 'nothing overrides --workers auto')
    assert.equal(service.spec.ports[0].targetPort, 'http')

    // The CPU limit becomes the container's cgroup quota; --workers auto reads it.
    const cpus = Number(c.resources.limits.cpu)
    const root = mkdtempSync(join(tmpdir(), 'cgroup-'))
    writeFileSync(join(root, 'self.cgroup'), '0::/pod\n')
    mkdirSync(join(root, 'pod'))
    writeFileSync(join(root, 'pod', 'cpu.max'), `${cpus * 100000} 100000\n`)
    const checked = await runCli(['check'], { env: { ...env, CORRAL_CGROUP_ROOT: root }, cwd: empty })
    assert.equal(checked.code, 0, checked.stderr)
    // A quota at or above this machine's CPUs leaves the machine's count (config/cpus.ts).
    const expected = Math.min(cpus, availableParallelism())
    assert.match(checked.stdout, new RegExp(`workers: ${expected} \\(auto: one per CPU .*${cpus < availableParallelism() ? `quota of ${cpus} CPUs` : `${expected} CPUs available`}`))
  })

  it('Container file: exposes the app and admin ports, checks health at a path corral serves, stops with SIGTERM, runs an app that exists', async () => {
    const text = file('container/Containerfile').replace(/\\\n\s*/g, ' ')
    const final = text.slice(text.lastIndexOf('\nFROM '))
    const env = Object.fromEntries([...final.matchAll(/^ENV (.+)$/gm)].flatMap((m) => [...m[1].matchAll(/(\w+)=(\S+)/g)].map((x) => [x[1], x[2]])))
    const s = await settingsFrom(env)
    const exposed = /^EXPOSE (.+)$/m.exec(final)![1].split(/\s+/).map(Number)
    assert.deepEqual(exposed, [s.port, adminPort(s)])
    assert.equal(s.host, '0.0.0.0')
    assert.match(final, /^STOPSIGNAL SIGTERM$/m)
    const check = /^HEALTHCHECK .*http:\/\/127\.0\.0\.1:(\d+)(\/\w+)/m.exec(final)!
    assert.equal(Number(check[1]), adminPort(s))
    assert.deepEqual(Object.values(await adminAnswers([check[2]])), [200])
    const cmd = JSON.parse(/^CMD (\[.+\])$/m.exec(final)![1]) as string[]
    assert.equal(cmd[cmd.indexOf('serve') - 1], 'dist/cli/main.js')
    for (const path of [cmd[cmd.indexOf('serve') + 1], cmd[cmd.indexOf('--config') + 1]]) assert.ok(existsSync(join(ROOT, path)), `${path} exists`)
    // The same settings as the Kubernetes manifest, which runs this image.
    const k8s = await settingsFrom(Object.fromEntries(parseAllDocuments(file('kubernetes/corral.yaml')).map((d) => d.toJS()).find((d) => d.kind === 'Deployment')
      .spec.template.spec.containers[0].env.filter((e: { value?: string }) => e.value).map((e: { name: string; value: string }) => [e.name, e.value])))
    assert.deepEqual([k8s.port, adminPort(k8s), k8s.gracefulTimeout], [s.port, adminPort(s), s.gracefulTimeout])
  })

  it('systemd: the sockets carry the configured ports, the admin one is named "admin", the stop timeout is past --graceful-timeout, and systemd-analyze verify is silent', async (t) => {
    const service = unit(file('systemd/corral.service'))
    const socket = unit(file('systemd/corral.socket'))
    const adminSocket = unit(file('systemd/corral-admin.socket'))
    const env = Object.fromEntries(service.Service.Environment.map((e) => e.split('=')))
    const s = await settingsFrom(env)
    assert.equal(socket.Socket.ListenStream[0], String(s.port))
    assert.equal(adminSocket.Socket.ListenStream[0], s.adminBind?.kind === 'tcp' ? `${s.adminBind.host}:${s.adminBind.port}` : '')
    assert.equal(adminSocket.Socket.FileDescriptorName[0], 'admin')
    for (const u of [socket, adminSocket]) assert.equal(u.Socket.Service[0], 'corral.service')
    assert.equal(service.Service.Type[0], 'notify')
    assert.equal(service.Service.NotifyAccess[0], 'all', 'sd_notify comes from systemd-notify, a child of the master')
    assert.equal(service.Service.KillMode[0], 'mixed')
    assert.ok(Number(service.Service.TimeoutStopSec[0]) > s.gracefulTimeout / 1000)
    const exec = service.Service.ExecStart[0].split(' ')
    assert.match(exec[0], /^\/.*node$/, 'node itself, not a shell or npx: systemd passes the sockets to that pid')
    assert.ok(exec.includes('serve'))
    if (!needTool(t, 'systemd-analyze')) return
    const dir = mkdtempSync(join(tmpdir(), 'units-'))
    for (const name of ['corral.service', 'corral.socket', 'corral-admin.socket']) writeFileSync(join(dir, name), file(`systemd/${name}`).replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`))
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', ...['corral.service', 'corral.socket', 'corral-admin.socket'].map((n) => join(dir, n))], { encoding: 'utf8' })
    assert.equal(`${verify.stdout}${verify.stderr}`.trim(), '', 'systemd-analyze verify has nothing to say')
  })

  it('nginx: deploy/nginx/corral.conf is what `corral deploy nginx` generates, points at the port, drops idle upstream connections before corral does, and passes nginx -t', async (t) => {
    const text = file('nginx/corral.conf')
    const s = await settingsFrom({})
    const generated = await runCli(['deploy', 'nginx'], { cwd: empty })
    assert.equal(generated.code, 0, generated.stderr)
    assert.equal(text, generated.stdout, 'regenerate with: corral deploy nginx --out deploy/nginx/corral.conf')
    assert.match(text, new RegExp(`server 127\\.0\\.0\\.1:${s.port} `))
    const keepalive = Number(/keepalive_timeout (\d+)s;/.exec(text)![1])
    assert.ok(keepalive < s.keepalive / 1000)
    assert.equal(Number(/proxy_next_upstream_timeout (\d+)s;/.exec(text)![1]), s.gracefulTimeout / 1000)
    if (!needTool(t, 'nginx')) return
    const dir = mkdtempSync(join(tmpdir(), 'nginx-'))
    const listen = await freePort()
    writeFileSync(join(dir, 'nginx.conf'), `pid nginx.pid;\nerror_log error.log;\nevents {}\nhttp {\naccess_log off;\n${text.replace('listen 80;', `listen 127.0.0.1:${listen};`)}}\n`)
    const ok = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' })
    assert.equal(ok.status, 0, ok.stderr)
  })
})
