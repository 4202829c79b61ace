import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, ROOT, runCli } from '../support/corral.js'

const workersLine = (out: string) => /# workers resolve to (\d+): (.*)/.exec(out)

describe('--workers auto', () => {
  it('counts one per CPU for async and threads, 2 x CPUs + 1 for sync', async () => {
    const cpus = availableParallelism()
    const a = workersLine((await runCli(['print-config', '--explain'])).stdout)!
    assert.equal(Number(a[1]), cpus)
    const s = workersLine((await runCli(['print-config', '--explain', '-k', 'sync'])).stdout)!
    assert.equal(Number(s[1]), 2 * cpus + 1)
    assert.match(s[2], /2 x \d+ CPUs \+ 1 for the sync worker class/)
  })

  it('follows a cgroup v2 cpu.max quota, fractional quotas included', async () => {
    // This machine mounts cgroup v1 for the cpu controller, so the v2 files are laid out in a
    // folder and CORRAL_CGROUP_ROOT points at it: the one boundary this test cannot arrange for real.
    const root = mkdtempSync(join(tmpdir(), 'cgroup-'))
    mkdirSync(join(root, 'pod/app'), { recursive: true })
    writeFileSync(join(root, 'self.cgroup'), '0::/pod/app\n')
    writeFileSync(join(root, 'pod/cpu.max'), '150000 100000\n')
    writeFileSync(join(root, 'pod/app/cpu.max'), 'max 100000\n')
    const env = { CORRAL_CGROUP_ROOT: root }
    if (availableParallelism() < 2) return
    const a = workersLine((await runCli(['print-config', '--explain'], { env })).stdout)!
    assert.equal(Number(a[1]), 2, '1.5 CPUs rounds up to 2 async workers')
    assert.match(a[2], /cgroup v2 cpu\.max quota of 1\.5 CPUs/)
    const s = workersLine((await runCli(['print-config', '--explain', '-k', 'sync'], { env })).stdout)!
    assert.equal(Number(s[1]), 4, 'sync: floor(2 x 1.5) + 1')
  })

  it('follows a real cgroup v1 CPU quota set on the process', async (t) => {
    const base = '/sys/fs/cgroup/cpu'
    const group = join(base, `corral-test-${process.pid}`)
    try {
      mkdirSync(group)
      writeFileSync(join(group, 'cpu.cfs_period_us'), '100000')
      writeFileSync(join(group, 'cpu.cfs_quota_us'), '100000')
    } catch (err) {
      t.skip(`cannot create a cgroup v1 cpu group here (${(err as Error).message}); the v2 test covers the arithmetic`)
      return
    }
    try {
      // A shell joins the group, then runs corral: the quota applies to the process itself.
      const out = await new Promise<string>((resolve) => {
        const child = spawn('sh', ['-c', `echo $$ > ${join(group, 'cgroup.procs')} && exec "${process.execPath}" "${CLI}" print-config --explain`], { cwd: ROOT })
        let s = ''
        child.stdout.on('data', (d) => { s += d })
        child.on('exit', () => resolve(s))
      })
      const line = workersLine(out)
      assert.ok(line, out)
      assert.equal(Number(line[1]), 1)
      assert.match(line[2], /cgroup v1 cpu\.cfs_quota_us quota of 1 CPUs/)
    } finally {
      if (existsSync(group)) try { rmdirSync(group) } catch { /* a process may linger a moment */ }
    }
  })
})
