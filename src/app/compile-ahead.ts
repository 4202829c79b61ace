/**
 * TypeScript compiled once by the master, for a Node that cannot strip types itself (20, and 22
 * before 22.18). There the only way to import a .ts module is a loader registered with
 * module.register, which Node 20 runs on a thread of its own: every worker paid for that thread,
 * tsx and esbuild on it. Measured on the 2-core VM (`npm run bench:boot`, Node 20.20, 2 workers,
 * 5 rounds): the hello example as app.ts booted in 1.86x plain node:cluster's time with 29.9 MB more
 * per worker; the same app as .mjs in 1.16x with 9.4 MB more. So the master turns the app's own
 * TypeScript into JavaScript files before it forks (esbuild, as tsx would, one file at a time),
 * and a worker whose sources still match imports those: no loader, no thread. Measured the same
 * way with this in place (7 rounds against main before it): 1.13x and +8.5 MB, against 1.78x and
 * +29.6 MB.
 *
 * What stays as it was: each file is its own module (not bundled); `import.meta.url`, `dirname`
 * and `filename` name the .ts file, so files read beside it are found; packages are imported by
 * their bare names, from a folder inside the app's package where Node finds the same node_modules;
 * stack traces point into the .ts files (inline source maps). What is not compiled ahead, and is
 * imported through tsx as before: an app whose TypeScript Node would treat as CommonJS, that
 * imports TypeScript from a .js file, that lives outside its package.json's folder or across a
 * nested node_modules, or whose compile fails (its error then comes from tsx, with file and line).
 * An import whose path is computed at run time is resolved from the compiled file: such an app sets
 * --compile-typescript false.
 *
 * The cache is node_modules/.cache/corral/ts in the app's package, the usual home of build caches.
 * A worker checks the content hash of every source (and tsconfig.json) against the manifest before
 * it uses the compiled files, so a file changed without a reload is never served stale: it is
 * imported through tsx instead, and the next boot or reload compiles again.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { COMPILED_CACHE, isCompiledUrl } from './compiled-cache.js'
import { isTypeScript, TYPESCRIPT } from './import.js'
import { splitSpec } from './spec.js'

const FORMAT_VERSION = 1
const NODE_MAJOR = process.versions.node.split('.')[0]

/**
 * The modules compiled together: the app, and the config file when it is TypeScript in the same
 * package (a worker imports it for its hooks). Together, because a module both import must be one
 * module in the worker, as it is under tsx, not one copy per entry.
 */
export function entriesOf(s: { app: string; config: string | null }): string[] {
  const app = resolve(splitSpec(s.app).path)
  const pkg = packageDir(app)
  if (!isTypeScript(app) || !pkg) return []
  const config = s.config ? resolve(s.config) : undefined
  return config && isTypeScript(config) && packageDir(config) === pkg ? [app, config] : [app]
}

interface Manifest { v: number; entries: Record<string, string>; sources: [string, string][] }

const sha1 = (text: string | Buffer) => createHash('sha1').update(text).digest('hex')
const hashFile = (path: string) => sha1(readFileSync(path))

/** The folder of the nearest package.json above `file`, or undefined. */
function packageDir(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) return undefined
  }
}

function packageJson(dir: string): { type?: string; name?: string } {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string; name?: string }
  } catch { return {} }
}

/** Whether Node would load this TypeScript file as an ES module (tsx follows Node's rules). */
function isEsm(file: string): boolean {
  if (file.endsWith('.mts')) return true
  if (file.endsWith('.cts')) return false
  const dir = packageDir(file)
  return dir !== undefined && packageJson(dir).type === 'module'
}

/** Where the manifest of these entries lives; its name folds in what else decides the output. */
function manifestPath(entries: readonly string[], pkg: string): string {
  const key = sha1([FORMAT_VERSION, NODE_MAJOR, ...entries].join('\0')).slice(0, 16)
  return join(pkg, ...COMPILED_CACHE, `${key}.json`)
}

/** tsconfig.json files from each source's folder up to the package: they change what esbuild emits. */
function tsconfigs(sources: readonly string[], pkg: string): string[] {
  const found = new Set<string>()
  for (const s of sources) {
    for (let dir = dirname(s); ; dir = dirname(dir)) {
      const t = join(dir, 'tsconfig.json')
      if (existsSync(t)) found.add(t)
      if (dir === pkg || dirname(dir) === dir) break
    }
  }
  return [...found].sort()
}

// A worker reads the manifest once: the config and the app ask in turn.
let checked: { key: string; entries: Record<string, string> | undefined } | undefined

/**
 * The compiled file for `source` (one of `entries`) when every source they were compiled from is
 * unchanged, or undefined (none, stale, or unreadable). Called by a worker before it imports.
 */
export function compiledFor(source: string, entries: readonly string[]): string | undefined {
  if (entries.length === 0) return undefined
  const pkg = packageDir(entries[0])
  if (!pkg) return undefined
  const path = manifestPath(entries, pkg)
  if (checked?.key !== path) checked = { key: path, entries: validEntries(path) }
  const compiled = checked.entries?.[resolve(source)]
  return compiled && existsSync(compiled) ? compiled : undefined
}

function validEntries(manifest: string): Record<string, string> | undefined {
  try {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Manifest
    if (m.v !== FORMAT_VERSION) return undefined
    for (const [path, hash] of m.sources) if (hashFile(path) !== hash) return undefined
    return m.entries
  } catch {
    return undefined
  }
}

/** Import what the master compiled for `source`, or undefined when there is nothing current to import. */
export async function importCompiled(source: string, entries: readonly string[]): Promise<Record<string, unknown> | undefined> {
  const compiled = compiledFor(source, entries)
  if (!compiled) return undefined
  // Stack traces name the .ts files and their lines, as under tsx.
  process.setSourceMapsEnabled(true)
  return await import(pathToFileURL(compiled).href) as Record<string, unknown>
}

export type AheadResult = { compiled: number; ms: number; reused: boolean } | { skipped: string }

/**
 * Compile `entries` and the TypeScript they import into the cache, unless what is there matches
 * their sources. Never throws: what cannot be compiled ahead is imported through tsx, as before.
 */
export async function compileAhead(entries: readonly string[]): Promise<AheadResult> {
  const started = performance.now()
  if (entries.length === 0) return { skipped: 'not TypeScript' }
  const pkg = packageDir(entries[0])
  if (!pkg) return { skipped: 'no package.json above the app' }
  const manifest = manifestPath(entries, pkg)
  const current = validEntries(manifest)
  if (current && entries.every((e) => current[e] && existsSync(current[e]))) return { compiled: 0, ms: performance.now() - started, reused: true }
  let esbuild: typeof import('esbuild') | undefined
  try {
    esbuild = await import('esbuild')
    const own = packageJson(pkg).name
    const within = (file: string) => {
      const rel = relative(pkg, file)
      return !rel.startsWith('..') && !rel.split(sep).includes('node_modules')
    }
    // The module graph of the package's own files: esbuild follows relative imports and leaves packages alone.
    const graph = await esbuild.build({
      entryPoints: [...entries], bundle: true, write: false, metafile: true, packages: 'external',
      platform: 'node', format: 'esm', logLevel: 'silent', absWorkingDir: pkg, outdir: pkg,
    })
    const ts = new Set<string>()
    for (const [input, info] of Object.entries(graph.metafile.inputs)) {
      const path = resolve(pkg, input)
      if (!within(path)) return { skipped: `${path} is outside ${pkg} or inside a node_modules folder` }
      if (isTypeScript(path)) {
        if (!isEsm(path)) return { skipped: `${path} is CommonJS to Node` }
        ts.add(path)
      } else if (info.imports.some((i) => !i.external && isTypeScript(i.path))) {
        return { skipped: `${path} is JavaScript that imports TypeScript` }
      }
    }
    const sources = [...ts].sort()
    const hashes: [string, string][] = [...sources, ...tsconfigs(sources, pkg)].map((p) => [p, hashFile(p)])
    const cache = dirname(manifest)
    const prefix = `${manifest.slice(cache.length + 1, -'.json'.length)}-`
    const dir = join(cache, prefix + sha1(JSON.stringify(hashes) + esbuild.version).slice(0, 16))
    const out = (file: string) => join(dir, relative(pkg, file).replace(TYPESCRIPT, '.mjs'))
    if (!existsSync(dir)) {
      const staging = `${dir}.${process.pid}.tmp`
      rmSync(staging, { recursive: true, force: true })
      for (const file of sources) {
        const target = out(file)
        const result = await esbuild.build({
          entryPoints: [file], bundle: true, write: false, format: 'esm', platform: 'node',
          target: `node${NODE_MAJOR}`, sourcemap: 'inline', logLevel: 'silent', absWorkingDir: pkg,
          outfile: target,
          define: { 'import.meta.url': JSON.stringify(pathToFileURL(file).href), 'import.meta.filename': JSON.stringify(file), 'import.meta.dirname': JSON.stringify(dirname(file)) },
          plugins: [{
            name: 'corral-compile-ahead',
            setup(b) {
              b.onResolve({ filter: /.*/ }, async (args) => {
                if (args.kind === 'entry-point' || args.pluginData === INNER) return undefined
                // Packages keep their bare names: Node finds them from the compiled file, which is
                // inside this package. Not the package's own name, which Node resolves only from
                // inside the package's folder, nor its #imports: those are resolved here.
                const bare = !/^[./#]|^file:/.test(args.path)
                if (bare && !(own && (args.path === own || args.path.startsWith(`${own}/`)))) return { path: args.path, external: true }
                const found = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: INNER })
                if (found.errors.length > 0) return { errors: found.errors }
                if (found.external) return { path: args.path, external: true }
                if (ts.has(found.path)) {
                  const spec = relative(dirname(target), out(found.path)).split(sep).join('/')
                  return { path: spec.startsWith('.') ? spec : `./${spec}`, external: true }
                }
                return { path: pathToFileURL(found.path).href, external: true }
              })
            },
          }],
        })
        const staged = join(staging, relative(dir, target))
        mkdirSync(dirname(staged), { recursive: true })
        writeFileSync(staged, result.outputFiles[0].text)
      }
      try {
        renameSync(staging, dir)
      } catch (err) {
        // Another master compiled the same sources at the same moment: theirs is as good.
        rmSync(staging, { recursive: true, force: true })
        if (!existsSync(dir)) throw err
      }
    }
    const written: Manifest = { v: FORMAT_VERSION, entries: Object.fromEntries(entries.map((e) => [e, out(e)])), sources: hashes }
    const tmp = `${manifest}.${process.pid}.tmp`
    writeFileSync(tmp, JSON.stringify(written))
    renameSync(tmp, manifest)
    pruneOlder(cache, prefix, dir)
    return { compiled: sources.length, ms: performance.now() - started, reused: false }
  } catch (err) {
    return { skipped: `compiling failed: ${(err as Error)?.message?.split('\n')[0] ?? err}` }
  } finally {
    // esbuild's service is a child process of its own (13 MB): the master needs it only now.
    await esbuild?.stop()
  }
}

const INNER = 'corral-compile-ahead-inner'

/**
 * Keep the newest two outputs of these entries: workers of the generation before a reload may
 * still import a module of the previous one lazily.
 */
function pruneOlder(cache: string, prefix: string, current: string): void {
  const dirs = readdirSync(cache).filter((n) => n.startsWith(prefix) && !n.endsWith('.tmp'))
    .map((n) => join(cache, n)).filter((d) => d !== current)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  for (const old of dirs.slice(1)) rmSync(old, { recursive: true, force: true })
}

const maps = new Map<string, SourceMap | null>()

/**
 * Where a position (1-based) in a compiled file comes from in its .ts source: for stacks that
 * Node's own source-map support does not see, such as the watchdog's, taken through the inspector.
 * Anything it cannot map is given back as it was.
 */
export function sourcePosition(url: string, line: number, column: number): { url: string; line: number; column: number } {
  if (!isCompiledUrl(url)) return { url, line, column }
  let map = maps.get(url)
  if (map === undefined) {
    map = null
    try {
      const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(readFileSync(new URL(url), 'utf8'))
      if (inline) map = new SourceMap(JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')))
    } catch { /* unreadable: left as it is */ }
    maps.set(url, map)
  }
  const entry = map?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined
  if (!entry?.originalSource || entry.originalLine === undefined) return { url, line, column }
  return { url: new URL(entry.originalSource, url).href, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 }
}
