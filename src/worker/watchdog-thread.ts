/** The watchdog thread (see watchdog.ts): watch the beat counter, and on a stall save the main thread's stack. */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { workerData } from 'node:worker_threads'

const { beats: buffer, stallMs, file } = workerData as { beats: SharedArrayBuffer; stallMs: number; file: string }
const beats = new Int32Array(buffer)
let last = Atomics.load(beats, 0)
let stalledSince = Date.now()
let captured = false

function capture(): void {
  const session = new Session()
  session.connectToMainThread()
  session.once('Debugger.paused', (message) => {
    const frames = (message.params.callFrames as { functionName: string; url: string; location: { lineNumber: number; columnNumber: number } }[])
      .map((f) => `    at ${f.functionName || '<anonymous>'} (${f.url || '<unknown>'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`)
    try { writeFileSync(file, frames.join('\n') + '\n') } catch { /* nowhere to write: the arbiter logs without a stack */ }
    session.post('Debugger.resume', () => session.disconnect())
  })
  session.post('Debugger.enable', () => session.post('Debugger.pause'))
}

setInterval(() => {
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
