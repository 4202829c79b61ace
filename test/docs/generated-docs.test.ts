import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { errorsMarkdown, settingsMarkdown } from '../../src/cli/help.js'
import { codes } from '../../src/errors.js'
import { settingList } from '../../src/config/settings/index.js'

describe('generated docs', () => {
  it('docs/settings.md is what the settings table generates (run `npm run docs` after changing a setting)', () => {
    assert.equal(readFileSync('docs/settings.md', 'utf8'), settingsMarkdown())
  })

  it('docs/errors.md lists every error code with its exit code or status', () => {
    const doc = readFileSync('docs/errors.md', 'utf8')
    assert.equal(doc, errorsMarkdown())
    for (const [code, entry] of Object.entries(codes)) {
      assert.ok(doc.includes(`\`${code}\``), `${code} is documented`)
      assert.ok(entry.doc.length > 20, `${code} says what to do`)
      assert.ok('exit' in entry || 'status' in entry, `${code} has an exit code or an HTTP status`)
    }
  })

  it('every setting has a doc line, a flag or env var, and a default its own parser accepts', () => {
    for (const s of settingList) {
      assert.ok(s.doc.length > 20, `${s.name} has a doc`)
      assert.ok(s.cli.length > 0 || s.positional, `${s.name} has a flag`)
      assert.ok(s.env.every((e) => /^[A-Z][A-Z0-9_]*$/.test(e)), `${s.name} env names`)
    }
  })
})
