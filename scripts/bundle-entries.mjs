/**
 * Run after tsc (npm run build): turns the two entry points a server starts from, the master's
 * dist/cli/main.js and the worker's dist/worker/main.js, into one file each (with chunks for what
 * they import lazily), in place.
 *
 * Why: Node 20 loads an ES module graph file by file (resolve, read, parse, link), about half a
 * millisecond each on the 2-core VM, and a server's boot read 111 of dist's modules: ~50 in the
 * master before it forks, ~60 in each worker before it answers. With this step a server reads about
 * 20 files before it forks (bench/README.md, "Boot and memory", has the measurements).
 *
 * What stays a file of its own, imported from the bundle by its path as before:
 * - every module reachable from the package's exports ('corral', 'corral/io', 'corral/hono'). An
 *   app (or its config) imports those, and a module must be one instance in a process: the
 *   worker's requests and the app's `corral/io` share its caches, metrics and error classes;
 * - what a module names by `new URL(..., import.meta.url)` (thread entries, the dashboard's page).
 *   Inside a bundle each module's `import.meta.url` is rewritten to its own file's URL, relative
 *   to the bundle, so those names resolve as they did, wherever the package is installed;
 * - packages (node_modules), as always.
 */
import { build, transform } from 'esbuild'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const dist = join(root, 'dist')
const ENTRIES = ['cli/main.js', 'worker/main.js'].map((e) => join(dist, e))
const CHUNK_PREFIX = 'bundle-chunk-'
const BANNER = '// Bundled by scripts/bundle-entries.mjs from the files tsc wrote beside it.'

// Bundled already: this step's inputs are tsc's files, which only tsc writes again (npm run build).
if (ENTRIES.every((e) => readFileSync(e, 'utf8').slice(0, 200).includes(BANNER))) process.exit(0)

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const exported = Object.values(pkg.exports).map((p) => resolve(root, p))

// The modules an app can reach through the package's exports, statically or lazily.
const reach = await build({
  entryPoints: exported, bundle: true, write: false, metafile: true, splitting: true, packages: 'external',
  platform: 'node', format: 'esm', outdir: join(root, '.bundle-probe'), logLevel: 'silent', absWorkingDir: root,
})
const shared = new Set(Object.keys(reach.metafile.inputs).map((i) => resolve(root, i)))

const toPosix = (p) => p.split(sep).join('/')
const fromDir = (dir, file) => { const r = toPosix(relative(dir, file)); return r.startsWith('.') ? r : `./${r}` }

for (const entry of ENTRIES) {
  const outdir = dirname(entry)
  const result = await build({
    entryPoints: [entry], bundle: true, splitting: true, write: false, packages: 'external', platform: 'node', format: 'esm',
    outdir, entryNames: '[name]', chunkNames: `${CHUNK_PREFIX}[hash]`, logLevel: 'warning', absWorkingDir: root,
    sourcemap: 'linked', legalComments: 'none', banner: { js: BANNER },
    plugins: [{
      name: 'corral-bundle-entries',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          const path = resolve(args.resolveDir, args.path)
          return shared.has(path) ? { path: fromDir(outdir, path), external: true } : undefined
        })
        b.onLoad({ filter: /\.js$/ }, async (args) => {
          let contents = readFileSync(args.path, 'utf8')
          if (args.path !== entry && contents.includes('import.meta')) {
            // The module's own import.meta, one binding per module (esbuild names each apart).
            const url = `new URL(${JSON.stringify(fromDir(outdir, args.path))}, import.meta.url)`
            const own = `{ url: ${url}.href, get filename() { return __fileURLToPath(this.url) }, get dirname() { return __dirname(this.filename) } }`
            const { code } = await transform(contents, { loader: 'js', format: 'esm', define: { 'import.meta': '__moduleMeta' } })
            contents = `import { fileURLToPath as __fileURLToPath } from 'node:url';\nimport { dirname as __dirname } from 'node:path';\nconst __moduleMeta = ${own};\n${code}`
          }
          return { contents, loader: 'js', resolveDir: dirname(args.path) }
        })
      },
    }],
  })
  for (const file of result.outputFiles) writeFileSync(file.path, file.contents)
  // Chunks of an earlier build (after, not before: run twice, this bundles its own output).
  const written = new Set(result.outputFiles.map((f) => f.path))
  for (const f of readdirSync(outdir)) if (f.startsWith(CHUNK_PREFIX) && !written.has(join(outdir, f))) rmSync(join(outdir, f))
}
