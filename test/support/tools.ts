/**
 * Tests that drive a program from Debian (a browser, a terminal, haproxy, nginx, wrk,
 * systemd-socket-activate) ask here for it first. A missing one skips the test with the reason;
 * under CORRAL_REQUIRE_SERVICES=1 (CI, whose .ci/run installs them) it fails instead, as a missing
 * Redis or PostgreSQL does.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { TestContext } from 'node:test'
import { skipOrFail } from './services.js'

export const CHROMIUM = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium'

/** The Debian package that gives a program, where its name is not the program's. */
const packageOf = (name: string) => (name === 'nginx' ? 'nginx-light' : name.startsWith('systemd-') ? 'systemd' : name)

/** True when the program is there; otherwise skips `t` (or throws under CORRAL_REQUIRE_SERVICES=1). */
export function needTool(t: TestContext, name: string): boolean {
  if (name === 'chromium') {
    return existsSync(CHROMIUM) || skipOrFail(t, `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CORRAL_CHROMIUM)`)
  }
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
  return found || skipOrFail(t, `${name} is not installed (apt-get install ${packageOf(name)})`)
}
