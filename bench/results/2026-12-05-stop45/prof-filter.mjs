import { readFileSync } from 'node:fs'
const [n, pattern, ...files] = process.argv.slice(2)
const re = new RegExp(pattern)
const by = new Map(); let sum = 0
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'))
  const dt = new Map()
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i + 1] ?? 0))
  for (const node of p.nodes) {
    const us = dt.get(node.id) ?? 0
    if (!us || !re.test(node.callFrame.url)) continue
    const cf = node.callFrame
    const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/\?.*/, '').replace(/.*\//, '')}:${cf.lineNumber + 1}`
    by.set(k, (by.get(k) ?? 0) + us); sum += us
  }
}
console.log('sum', (sum / n).toFixed(1))
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((v / n).toFixed(1).padStart(7), k)
