/**
 * The files the dashboard page loads, all served by corral itself (no CDN: the admin port is
 * often on a machine without internet): uPlot from its npm package, and the page's own scripts
 * as `npm run build` compiled them (page/tsconfig.json → dist/admin/page/). Read once, kept.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export interface Asset { body: Buffer; type: string }

const require = createRequire(import.meta.url)
const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json' }

/** name → where it is on disk; the only files this serves. */
function table(): Map<string, string> {
  const files = new Map<string, string>([
    ['uplot.js', require.resolve('uplot/dist/uPlot.iife.min.js')],
    ['uplot.css', require.resolve('uplot/dist/uPlot.min.css')],
  ])
  const pageDir = fileURLToPath(new URL('./page/', import.meta.url))
  let names: string[] = []
  try { names = readdirSync(pageDir) } catch { /* not built: every page script answers 503 */ }
  for (const name of names) if (/^[a-z-]+\.js(\.map)?$/.test(name)) files.set(name, join(pageDir, name))
  return files
}

let files: Map<string, string> | undefined
const cache = new Map<string, Asset>()

/** The asset of that name, or undefined when there is none (or the page was not built). */
export function asset(name: string): Asset | undefined {
  const hit = cache.get(name)
  if (hit) return hit
  files ??= table()
  const path = files.get(name)
  if (!path) return undefined
  const found = { body: readFileSync(path), type: types[name.split('.').at(-1)!] ?? 'application/octet-stream' }
  cache.set(name, found)
  return found
}

/** The page's entry script is there: the dashboard was built (`npm run build`). */
export const pageBuilt = () => asset('main.js') !== undefined
