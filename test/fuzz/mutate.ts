/**
 * A seeded mutation generator for HTTP/1.1 requests: the conformance cases' bytes, changed a few
 * places at a time by the moves that break parsers (a byte flipped, CR/LF/NUL/space put where
 * they should not be, a range dropped or doubled, a number pushed to a limit, a framing header
 * added), and cut into random writes. The same seed gives the same requests on any machine.
 */

/**
 * mulberry32: a 32-bit generator in five lines. Written here, not taken from npm, because a seed
 * must replay the same requests for as long as the suite lives: our own generator never changes
 * its output under a dependency update.
 */
export function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Rng = () => number
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]
const int = (rng: Rng, n: number) => Math.floor(rng() * n)

const BYTES = ['\r', '\n', '\r\n', '\0', ' ', '\t', ':', ',', ';', '"', '\x7f', '\xff', '\x01', '#', '?', '/', '*', '@', '[', ']', '%', '0', '9', 'a', 'Z', '-']
const NUMBERS = ['0', '1', '-1', '00', '+1', '4294967296', '18446744073709551616', '99999999999999999999', '0x10', '1e3', ' 7', '7 ', '']
const HEADERS = [
  'Content-Length: 3', 'Content-Length: 0', 'Content-Length: 99', 'Content-Length: 3, 4', 'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip', 'Transfer-Encoding: gzip, chunked', 'Host: other.example', 'Host: a b', 'Expect: 100-continue',
  'Connection: close', 'Connection: keep-alive, Upgrade', 'Upgrade: websocket', 'Trailer: Host', 'X-Echo: \xe9t\xe9',
  'X-Folded: a\r\n b', ' X-Leading: space', 'X-Colon : v', 'X-Empty:', ':no-name',
]

const MOVES: ((s: string, rng: Rng) => string)[] = [
  // a byte changed to any other
  (s, rng) => { const i = int(rng, s.length); return s.slice(0, i) + String.fromCharCode(int(rng, 256)) + s.slice(i + 1) },
  // a byte that matters to HTTP put anywhere
  (s, rng) => { const i = int(rng, s.length + 1); return s.slice(0, i) + pick(rng, BYTES) + s.slice(i) },
  // a range dropped
  (s, rng) => { const i = int(rng, s.length); return s.slice(0, i) + s.slice(i + 1 + int(rng, 8)) },
  // a range doubled
  (s, rng) => { const i = int(rng, s.length); const j = i + 1 + int(rng, 24); return s.slice(0, j) + s.slice(i, j) + s.slice(j) },
  // a number pushed to a limit (sizes, lengths, versions)
  (s, rng) => {
    const numbers = [...s.matchAll(/[0-9A-Fa-f]+/g)]
    if (numbers.length === 0) return s
    const m = pick(rng, numbers)
    return s.slice(0, m.index) + pick(rng, NUMBERS) + s.slice(m.index! + m[0].length)
  },
  // a framing or routing header added after the request line
  (s, rng) => { const i = s.indexOf('\r\n'); return i < 0 ? s : s.slice(0, i + 2) + pick(rng, HEADERS) + '\r\n' + s.slice(i + 2) },
  // case flipped over a range: ASCII letters only, since the upper case of some latin1 letters is
  // no latin1 byte (ÿ → U+0178, which went on the wire as 'x' while the oracle judged 'Ÿ')
  (s, rng) => {
    const i = int(rng, s.length); const j = i + 1 + int(rng, 12)
    return s.slice(0, i) + s.slice(i, j).replace(/[A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) ^ 32)) + s.slice(j)
  },
  // a line swapped with its neighbour
  (s, rng) => {
    const lines = s.split('\r\n')
    if (lines.length < 3) return s
    const i = 1 + int(rng, lines.length - 2)
    ;[lines[i - 1], lines[i]] = [lines[i], lines[i - 1]]
    return lines.join('\r\n')
  },
]

export interface Mutant {
  /** The bytes, as latin1 (one character per byte). */
  bytes: string
  /** The writes they are sent in. */
  writes: string[]
  /** What was done, to replay a failure by hand. */
  from: string
}

/** The `n`th mutant of a seed: 1 to 4 moves on one of `bases`, sent in 1 to 4 writes. */
export function mutants(seed: number, count: number, bases: { id: string; bytes: string }[]): Mutant[] {
  const rng = random(seed)
  const out: Mutant[] = []
  for (let n = 0; n < count; n++) {
    const base = pick(rng, bases)
    let bytes = base.bytes
    const moves = 1 + int(rng, 4)
    for (let m = 0; m < moves; m++) bytes = pick(rng, MOVES)(bytes, rng)
    const cuts = [...new Set(Array.from({ length: int(rng, 4) }, () => int(rng, bytes.length)))].sort((a, b) => a - b)
    const writes: string[] = []
    let at = 0
    for (const c of [...cuts, bytes.length]) { if (c > at) writes.push(bytes.slice(at, c)); at = c }
    // One character per byte, or what is sent (latin1) is not what the oracle judges.
    if (/[^\x00-\xff]/.test(bytes)) throw new Error(`mutant ${n} of seed ${seed} holds a character past latin1`)
    out.push({ bytes, writes, from: `${base.id} ×${moves}` })
  }
  return out
}
