/**
 * Node's own Headers, Request and Response, loaded the first time something needs them.
 *
 * On Node 20 these globals are lazy: the first read of any of them loads Node's bundled undici,
 * and http2 and tls with it. That was the largest single cost in a worker's boot: 52-58 ms of its
 * main thread's CPU before its first answer (`--cpu-prof`, hello, 2 workers on the 2-core VM),
 * paid only because corral's light classes (LightResponse, LazyRequest, LazyHeaders) joined the
 * native classes' prototype chains when their modules loaded. Hello never builds a native object.
 * So a light class registers here, and is linked into its native's chain when the natives are
 * first loaded: by corral, when a request needs a real one, or by the app, when it reads the
 * global (Headers, Request or Response), which this module watches until then. From then on
 * `instanceof` answers as it did before. On Node 22 and later the globals are plain values (from
 * Node's startup snapshot): they are read at once and nothing is deferred.
 */

export type WebName = 'Headers' | 'Request' | 'Response'
type Natives = { Headers: typeof Headers; Request: typeof Request; Response: typeof Response }

const NAMES: readonly WebName[] = ['Headers', 'Request', 'Response']
// Node's own lazy getters, and our accessors that stand in for them, taken before anything
// (installLightResponse) replaces a global.
const nodeGetters = new Map<WebName, () => unknown>()
const watchers = new Map<WebName, () => unknown>()
const lights = new Map<WebName, Function[]>(NAMES.map((n) => [n, []]))
let loaded: Natives | undefined

const values = {} as Record<WebName, unknown>
for (const name of NAMES) {
  const d = Object.getOwnPropertyDescriptor(globalThis, name)
  if (d?.get === undefined || !d.configurable) { values[name] = (globalThis as Record<string, unknown>)[name]; continue }
  nodeGetters.set(name, d.get.bind(globalThis))
  const watch = () => natives()[name]
  watchers.set(name, watch)
  Object.defineProperty(globalThis, name, {
    configurable: true, enumerable: d.enumerable, get: watch,
    set(value: unknown) { Object.defineProperty(globalThis, name, { configurable: true, enumerable: d.enumerable, writable: true, value }) },
  })
}
if (nodeGetters.size === 0) loaded = values as Natives

/** The native classes, loaded now if they are not yet, with every light class linked to its own. */
export function natives(): Natives {
  if (loaded) return loaded
  for (const [name, nodeGet] of nodeGetters) {
    const now = Object.getOwnPropertyDescriptor(globalThis, name)!
    // Node's getter loads the class and leaves the global a plain value holding it, as a first read
    // would have. Where the global was replaced meanwhile (Response, by installLightResponse), it stays.
    values[name] = nodeGet()
    if (now.get !== watchers.get(name)) Object.defineProperty(globalThis, name, now)
  }
  loaded = values as Natives
  for (const name of NAMES) for (const light of lights.get(name)!) Object.setPrototypeOf(light.prototype, loaded[name].prototype)
  return loaded
}

/** Put `light`'s prototype on the native `name`'s chain: now if the natives are loaded, else when they are. */
export function extendsNative(light: Function, name: WebName): void {
  lights.get(name)!.push(light)
  if (loaded) Object.setPrototypeOf(light.prototype, loaded[name].prototype)
}

/**
 * `value instanceof` the native `name`, without loading the natives to say no. Until they are
 * loaded here, such an object is an instance of a light class, or a native one made where no global
 * was read: Node 20's `fetch` loads undici by itself, and its Response and Headers say what they are
 * (Symbol.toStringTag). A record of headers has no tag and loads nothing.
 */
export function isNative(name: WebName, value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  // A record or a list of pairs (most handlers' headers) is told by its constructor: instanceof
  // walks the prototype chain through Symbol.hasInstance, about 250 instructions of a hello
  // request's 57k on Node 26 (bench/README.md, "Instructions per request").
  if ((value as object).constructor === Object || Array.isArray(value)) return false
  if (loaded) return value instanceof loaded[name]
  // The prototype, not instanceof: LightResponse's own instanceof asks this function.
  for (const light of lights.get(name)!) if (light.prototype.isPrototypeOf(value)) return true
  // Anything else without the tag (a record with no prototype): one lookup that finds nothing.
  return (value as Record<symbol, unknown>)[Symbol.toStringTag] === name && value instanceof natives()[name]
}
