/**
 * Importing user modules (the app, corral.config.ts), TypeScript included.
 *
 * Node >= 23.6 (and 22.18) strips types natively: we use that where it exists, since it adds no
 * loader to the process. Native stripping refuses TypeScript that needs code generation (enums,
 * namespaces, parameter properties); when a native import fails for one of those reasons, or on Node
 * without stripping (20, 22 before 22.18), we register tsx's ESM loader (esbuild) and import again.
 *
 * Native stripping also does not map `./x.js` imports to `./x.ts`, which is how TypeScript itself
 * asks ESM code to name its local imports (moduleResolution nodenext): left alone, nearly every real
 * app (the shop among them) fell back to tsx. That costs more than boot time: esbuild's keepNames
 * wraps each function the app creates in a `__name()` call, per request for the closures a handler
 * makes (the shop's product page on Node 26: about 17 µs a page in a CPU profile). So where Node has
 * in-thread module hooks (module.registerHooks: 22.15, 23.5 and later) a resolve hook tries the
 * TypeScript file when a relative `.js`, `.mjs` or `.cjs` import from a TypeScript module is not
 * found, as tsc and tsx resolve it. It runs on the loading thread (no loader thread, unlike
 * module.register) and only on the miss.
 */
import module from 'node:module'
import { pathToFileURL } from 'node:url'

let tsxRegistered = false

/** A TypeScript file's extension (.ts, .mts, .cts, .tsx …). */
export const TYPESCRIPT = /\.[cm]?tsx?$/
export const isTypeScript = (path: string) => TYPESCRIPT.test(path)
export const nativeTypeScript = () => Boolean((process.features as { typescript?: unknown }).typescript)

// Errors that mean "native stripping cannot take this file", not "the app is broken".
const NATIVE_REFUSALS = new Set(['ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX', 'ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING', 'ERR_UNKNOWN_FILE_EXTENSION'])

type ResolveHook = (specifier: string, context: { parentURL?: string }, next: (specifier: string, context: { parentURL?: string }) => unknown) => unknown
const { registerHooks } = module as unknown as { registerHooks?: (hooks: { resolve: ResolveHook }) => unknown }
let tsExtensionsMapped = false

/** `./x.js` from a TypeScript module finds `./x.ts` when there is no `./x.js` (see the top of the file). */
function mapTsExtensions(): void {
  if (tsExtensionsMapped || !registerHooks) return
  tsExtensionsMapped = true
  registerHooks({
    resolve(specifier, context, next) {
      try {
        return next(specifier, context)
      } catch (err) {
        const ts = tsSibling(specifier, context.parentURL)
        if (!ts || (err as { code?: string })?.code !== 'ERR_MODULE_NOT_FOUND') throw err
        return next(ts, context)
      }
    },
  })
}

function tsSibling(specifier: string, parentURL: string | undefined): string | undefined {
  if (!parentURL?.startsWith('file:') || !/^\.{1,2}\/.*\.[cm]?js$/.test(specifier)) return undefined
  if (!isTypeScript(new URL(parentURL).pathname)) return undefined
  return specifier.replace(/js$/, 'ts')
}

async function registerTsx(): Promise<void> {
  if (tsxRegistered) return
  const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])
  esm.register()
  // A .ts file outside a "type": "module" package is CommonJS to Node: tsx's require hook takes those.
  cjs.register()
  tsxRegistered = true
}

/**
 * Whether the master compiles the app's TypeScript ahead and workers look for it (compile-ahead.ts,
 * loaded only then): a Node that strips types natively needs neither, and --reload watches the
 * files the workers really import.
 */
export const compilesAhead = (s: { compileTypescript: boolean; reload: boolean }) => s.compileTypescript && !s.reload && !nativeTypeScript()

/** How this process loads TypeScript, for the startup log. */
export function typeScriptLoader(): string {
  return tsxRegistered ? 'tsx' : nativeTypeScript() ? 'native type stripping' : 'tsx'
}

/**
 * A TypeScript module that Node treats as CommonJS comes back as { default: exports }, where
 * exports has __esModule and the real default: give back the exports, as an ESM import would.
 */
function unwrap(mod: Record<string, unknown>): Record<string, unknown> {
  const inner = mod.default as Record<string, unknown> | undefined
  return inner && typeof inner === 'object' && inner.__esModule ? inner : mod
}

/**
 * `fresh` imports the file again even if this process imported it before (an ES module is cached
 * by its URL for the life of the process): the master reads the config file again on a reload.
 * The old copy stays in memory; a config file is small and reloads are few.
 */
export async function importModule(path: string, fresh = false): Promise<Record<string, unknown>> {
  return unwrap(await importRaw(path, fresh ? `?corral-read=${++reads}` : ''))
}

let reads = 0

async function importRaw(path: string, query: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href + query
  if (!isTypeScript(path) || tsxRegistered) return import(url)
  if (nativeTypeScript()) {
    mapTsExtensions()
    try {
      return await import(url)
    } catch (err) {
      if (!NATIVE_REFUSALS.has((err as { code?: string })?.code ?? '')) throw err
    }
    await registerTsx()
    // Not a plain import() again: the failed attempt's modules stay in Node's module map by their
    // URLs, and on Node 22 a second import of the file through the registered loader, linking to
    // the dependency that failed (a .ts file whose imports say .js), came back as an empty module
    // (default {}): a config file's settings and hooks were silently dropped. tsImport loads the
    // file and its local imports under a namespace of their own, apart from that attempt.
    const { tsImport } = await import('tsx/esm/api')
    return tsImport(url, { parentURL: import.meta.url }) as Promise<Record<string, unknown>>
  }
  await registerTsx()
  return import(url)
}
