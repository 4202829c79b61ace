# python3 patch.py counter|release, in a checkout's root: section 2's experiment builds (not for landing).
#   counter: at Requests#finish, and 100 ms later, count the undici listeners ctx.signal still holds;
#            each worker prints the counts every 3 s when DBG_SIG=1.
#   release: the Exchange drops its signal in Requests#finish.
import sys

def edit(path, pairs):
    s = open(path).read()
    for old, new in pairs:
        assert old in s, (path, old)
        s = s.replace(old, new, 1)
    open(path, 'w').write(s)

ABORTED = "  get aborted(): boolean {"
if sys.argv[1] == 'counter':
    edit('src/io/light-signal.ts', [("  static watch(s: LightSignal, fn: Watcher): void {",
        "  static waitingCount(s: LightSignal): number { return (s.#waiting?.length ?? 0) / STRIDE + (s.#kept ? 100 : 0) }\n  static watch(s: LightSignal, fn: Watcher): void {")])
    edit('src/worker/exchange.ts', [(ABORTED, "  get dbgWaiting(): number { return this.#signal ? LightSignal.waitingCount(this.#signal) : -1 }\n" + ABORTED)])
    add = "const d = ((globalThis as any).__dbg ??= new Map()); const add = (k: unknown) => d.set(k, (d.get(k) ?? 0) + 1)"
    edit('src/worker/requests.ts', [
        ("    if (cut) ex.abort(clientClosed())", "    { " + add + "; add(ex.dbgWaiting); setTimeout(() => add('later' + ex.dbgWaiting), 100) }\n    if (cut) ex.abort(clientClosed())"),
        ("  constructor(options: RequestsOptions) {", "  constructor(options: RequestsOptions) {\n    if (process.env.DBG_SIG) setInterval(() => console.error('DBG', process.pid, JSON.stringify([...((globalThis as any).__dbg ?? new Map())])), 3000).unref()"),
    ])
elif sys.argv[1] == 'release':
    edit('src/worker/exchange.ts', [(ABORTED, "  release(): void { this.#signal = undefined }\n" + ABORTED)])
    edit('src/worker/requests.ts', [("    if (ex.timer) clearTimeout(ex.timer)\n", "    if (ex.timer) clearTimeout(ex.timer)\n    ex.release()\n")])
else:
    sys.exit('usage: patch.py counter|release')
