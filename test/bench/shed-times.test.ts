import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { SHED_BAR_MS, shedSince } from '../../bench/overload/levels.js'

describe("the overload benches' reading of shed 503s from the access log", () => {
  it('counts only the text/plain 503s past the offset, with their slowest and how many missed the bar, and the p99 of the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-shed-times-'))
    try {
      const log = join(dir, 'access.log')
      // An earlier level's lines, then this level's: a 200, the app's own JSON 503, and four sheds.
      const earlier = '503 50000 text/plain; charset=utf-8\n'
      writeFileSync(log, earlier)
      const from = Buffer.byteLength(earlier)
      appendFileSync(log, [
        '200 300000 application/json',
        '503 20000 application/json',
        '503 40 text/plain; charset=utf-8',
        '503 9999 text/plain; charset=utf-8',
        `503 ${SHED_BAR_MS * 1000} text/plain; charset=utf-8`,
        '503 31000 text/plain; charset=utf-8',
        '',
      ].join('\n'))
      const { shed, servedP99Ms, end } = shedSince(log, from)
      assert.equal(shed.count, 4)
      // The answers it gave (the 200 and the app's own 503): the slower of two is their p99.
      assert.equal(servedP99Ms, 300)
      assert.equal(shed.maxMs, 31)
      // 10.0 ms is not under 10 ms; 9.999 ms is.
      assert.equal(shed.over, 2)
      assert.equal(shed.p50Ms, 10)
      assert.equal(end > from, true)
      assert.equal(shedSince(log, end).shed.count, 0)
      assert.equal(shedSince(log, end).shed.over, 0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
