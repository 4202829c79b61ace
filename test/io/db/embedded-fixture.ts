/**
 * A fresh embedded PostgreSQL for a test, fast: PGlite's first start runs initdb (~10 s here), so
 * one initialized data folder is kept as a template in the temp dir and copied for each test.
 * Built under a private name and renamed into place, so test files running at once cannot see a
 * half-built template.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../src/io/db/embedded.js'

// PGlite's package.json is not in its exports map, so read it by path.
const pgliteVersion = JSON.parse(readFileSync(new URL('../../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')).version as string
const template = join(tmpdir(), `corral-pglite-template-${pgliteVersion}`)

async function ensureTemplate(): Promise<void> {
  if (existsSync(template)) return
  const building = mkdtempSync(join(tmpdir(), 'corral-pglite-building-'))
  const pg = await startEmbeddedPostgres({ dataDir: building })
  await pg.close()
  try { renameSync(building, template) } catch { rmSync(building, { recursive: true, force: true }) }
}

/** A fresh data folder with an initialized database in it (remove it with rmSync when done). */
export async function freshDataDir(): Promise<string> {
  await ensureTemplate()
  // Short path: the unix socket lives in it, and socket paths are capped near 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'corral-pg-'))
  cpSync(template, dir, { recursive: true })
  return dir
}

export interface TestEmbedded extends EmbeddedPostgres { dataDir: string }

/** Start an embedded PostgreSQL on a fresh copy; close() also deletes its folder. */
export async function startFreshEmbedded(): Promise<TestEmbedded> {
  const dataDir = await freshDataDir()
  const pg = await startEmbeddedPostgres({ dataDir })
  return {
    ...pg,
    dataDir,
    async close() {
      await pg.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
