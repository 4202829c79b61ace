/** The watchdog thread (see watchdog.ts): watch the beat counter, and on a stall save the main thread's stack. */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { workerData, type MessagePort } from 'node:worker_threads'
import { isCompiledUrl } from '../app/compiled-cache.js'
import { watchStalls } from './stall-probe.js'
import { IN_FLIGHT_EXPRESSION } from './watchdog.js'

const { beats: buffer, stallMs, file, stalls } = workerData as {
  beats: SharedArrayBuffer; stallMs: number; file: string; stalls?: { shared: SharedArrayBuffer; thresholdMs: number; timeOrigin: number; asks: MessagePort }
}
if (stalls) watchStalls(new Int32Array(stalls.shared), stalls.thresholdMs, stalls.timeOrigin, stalls.asks)
const beats = new Int32Array(buffer)
let last = Atomics.load(beats, 0)
let stalledSince = Date.now()
let captured = false

interface Frame { name: string; url: string; line: number; column: number }

/**
 * The frames as a stack trace. The inspector names the files V8 ran: for an app the master compiled
 * ahead (app/compile-ahead.ts) those are the compiled copies, mapped back here to the .ts file and
 * line (Node maps an Error's stack itself, but not these); the mapper loads only for such a stack.
 */
async function stackText(frames: readonly Frame[]): Promise<string> {
  const mapper = frames.some((f) => isCompiledUrl(f.url)) ? await import('../app/compile-ahead.js') : undefined
  return frames.map((f) => {
    const at = mapper ? mapper.sourcePosition(f.url, f.line, f.column) : f
    return `    at ${f.name} (${at.url}:${at.line}:${at.column})`
  }).join('\n')
}

function capture(): void {
  const session = new Session()
  session.connectToMainThread()
  // Call frames name their script by id; Debugger.enable announces every script with its URL.
  const scripts = new Map<string, string>()
  session.on('Debugger.scriptParsed', (m) => { scripts.set(m.params.scriptId, m.params.url) })
  session.once('Debugger.paused', (message) => {
    const callFrames = message.params.callFrames as { callFrameId: string; functionName: string; url: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }[]
    const frames = callFrames.map((f) => ({ name: f.functionName || '<anonymous>', url: f.url || scripts.get(f.location.scriptId) || '<unknown>', line: f.location.lineNumber + 1, column: f.location.columnNumber + 1 }))
    // While paused, ask the main thread which requests it is in the middle of: a request that
    // arrived after the last heartbeat (and then blocked the loop) is in no beat.
    const save = (inFlight: unknown) => {
      void stackText(frames).then((stack) => {
        try { writeFileSync(file, JSON.stringify({ stack, inFlight })) } catch { /* nowhere to write: the arbiter logs without it */ }
        session.post('Debugger.resume', () => session.disconnect())
      })
    }
    if (!callFrames[0]) return save(undefined)
    session.post('Debugger.evaluateOnCallFrame', { callFrameId: callFrames[0].callFrameId, expression: IN_FLIGHT_EXPRESSION, returnByValue: true }, (err, result) => {
      const value = (result as { result?: { value?: unknown } } | undefined)?.result?.value
      save(err || typeof value !== 'string' ? undefined : JSON.parse(value))
    })
  })
  session.post('Debugger.enable', () => session.post('Debugger.pause'))
}

if (stallMs > 0) setInterval(() => {
  const now = Atomics.load(beats, 0)
  if (now !== last) {
    last = now
    stalledSince = Date.now()
    captured = false
  } else if (!captured && Date.now() - stalledSince >= stallMs) {
    captured = true
    capture()
  }
}, Math.max(50, Math.min(500, stallMs / 4)))
