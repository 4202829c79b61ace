/**
 * Tests that drive a real browser or a real terminal ask here for the program first. A missing
 * one skips the test with the reason; under CORRAL_REQUIRE_SERVICES=1 (CI, whose .ci/run installs
 * both) it fails instead, as a missing Redis or PostgreSQL does.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { TestContext } from 'node:test'

export const CHROMIUM = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium'

function found(tool: 'chromium' | 'tmux'): string | undefined {
  if (tool === 'chromium') return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CORRAL_CHROMIUM)`
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'no tmux on the PATH (apt-get install tmux)'
  }
}

/** True when the tool is there; otherwise skips `t` (or throws under CORRAL_REQUIRE_SERVICES=1). */
export function needTool(t: TestContext, tool: 'chromium' | 'tmux'): boolean {
  const missing = found(tool)
  if (!missing) return true
  if (process.env.CORRAL_REQUIRE_SERVICES === '1') throw new Error(`${missing} (CORRAL_REQUIRE_SERVICES=1 makes this a failure)`)
  console.log(`# skipped: ${missing}`)
  t.skip(missing)
  return false
}
