/**
 * The folder tree is the architecture (STYLE.md): these checks keep it readable as it grows. They
 * read every import in src/ (type-only ones too: a type that crosses a boundary is a dependency a
 * reader has to follow all the same).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

/** Each source file (relative to src/) with the src/ files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets: string[] = []
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      targets.push(relative(SRC, normalize(join(dirname(file), m[1]))).replace(/\.js$/, '.ts'))
    }
    graph.set(relative(SRC, file), targets)
  }
  return graph
}

/** The room a file lives in: its top folder under src/, or the file itself for src/*.ts. */
const room = (file: string) => (file.includes(sep) ? file.split(sep)[0] : file)

describe('the import graph of src/', () => {
  const graph = importGraph()

  it('has no cycle between files', () => {
    const state = new Map<string, 'open' | 'done'>()
    const cycles: string[] = []
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open')
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' -> '))
        else if (!state.has(next)) visit(next, [...path, next])
      }
      state.set(file, 'done')
    }
    for (const file of graph.keys()) if (!state.has(file)) visit(file, [file])
    assert.deepEqual(cycles, [])
  })

  it('has no cycle between rooms (the folders under src/)', () => {
    const rooms = new Map<string, Set<string>>()
    for (const [file, targets] of graph) {
      for (const t of targets) if (room(t) !== room(file)) (rooms.get(room(file)) ?? rooms.set(room(file), new Set()).get(room(file))!).add(room(t))
    }
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      [...(rooms.get(from) ?? [])].some((r) => r === to || (!seen.has(r) && (seen.add(r), reaches(r, to, seen))))
    const cycles = [...rooms.keys()].filter((r) => reaches(r, r))
    assert.deepEqual(cycles, [], `rooms on a cycle: ${cycles.join(', ')}`)
  })

  it('keeps arbiter/ and worker/ apart: they talk only through ipc/', () => {
    const crossing = [...graph].flatMap(([file, targets]) => targets
      .filter((t) => (room(file) === 'arbiter' && room(t) === 'worker') || (room(file) === 'worker' && room(t) === 'arbiter'))
      .map((t) => `${file} -> ${t}`))
    assert.deepEqual(crossing, [])
  })

  it('lets nothing but cli/ import cli/ (the commands are the top)', () => {
    const up = [...graph].flatMap(([file, targets]) => targets.filter((t) => room(t) === 'cli' && room(file) !== 'cli').map((t) => `${file} -> ${t}`))
    assert.deepEqual(up, [])
  })

  it('keeps corral/io a library: io/ imports neither the server (arbiter, worker, cli) nor its config', () => {
    const server = new Set(['arbiter', 'worker', 'cli', 'config'])
    const up = [...graph].flatMap(([file, targets]) => targets.filter((t) => room(file) === 'io' && server.has(room(t))).map((t) => `${file} -> ${t}`))
    assert.deepEqual(up, [])
  })
})
