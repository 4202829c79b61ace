import { readFileSync } from 'node:fs'
const [n, fn, depth = '3', ...files] = process.argv.slice(2)
const by = new Map()
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'))
  const dt = new Map()
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i + 1] ?? 0))
  const parent = new Map(), byId = new Map()
  for (const node of p.nodes) { byId.set(node.id, node); for (const c of node.children ?? []) parent.set(c, node.id) }
  const name = (node) => `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.replace(/\?.*/, '').replace(/.*\//, '')}:${node.callFrame.lineNumber + 1}`
  // inclusive time of matching nodes, keyed by their caller chain
  const incl = (node) => (dt.get(node.id) ?? 0) + (node.children ?? []).reduce((s, c) => s + incl(byId.get(c)), 0)
  for (const node of p.nodes) {
    if (!name(node).startsWith(fn)) continue
    const chain = []
    for (let id = parent.get(node.id), d = 0; id !== undefined && d < Number(depth); id = parent.get(id), d++) chain.push(name(byId.get(id)))
    const k = chain.join(' < ')
    by.set(k, (by.get(k) ?? 0) + incl(node))
  }
}
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / n).toFixed(1).padStart(7), k.slice(0, 220))
