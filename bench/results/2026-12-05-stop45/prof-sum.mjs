// Summarise .cpuprofile files: self time by function and by package, per request.
// Usage: node prof-sum.mjs N_REQUESTS [--only URL_REGEX] file...  (--only: just the functions whose script matches)
import { readFileSync } from 'node:fs'
const [n, ...rest] = process.argv.slice(2)
const only = rest[0] === '--only' ? new RegExp(rest[1]) : undefined
const files = only ? rest.slice(2) : rest
const requests = Number(n)
const by = new Map(), pkg = new Map()
let total = 0
const group = (url) => {
  if (!url) return '(native/gc/program)'
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0].split('_')[0]
  const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/)
  if (m) return m[1]
  if (url.includes('/dist/')) return 'corral dist/' + url.split('/dist/')[1].split('/')[0]
  if (url.includes('examples/')) return 'app'
  if (url.includes('bench/')) return 'bench'
  return url.slice(-40)
}
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'))
  const dt = new Map()
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i + 1] ?? 0))
  for (const node of p.nodes) {
    const us = dt.get(node.id) ?? 0
    if (!us || (only && !only.test(node.callFrame.url))) continue
    total += us
    const cf = node.callFrame
    const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/(node_modules\/)?/, '')}:${cf.lineNumber + 1}`
    by.set(k, (by.get(k) ?? 0) + us)
    const g = group(cf.url) + (cf.url ? '' : ' ' + cf.functionName)
    pkg.set(g, (pkg.get(g) ?? 0) + us)
  }
}
const per = (us) => (us / requests).toFixed(1).padStart(7)
console.log(`total ${per(total)} µs/request over ${files.length} profiles (idle excluded below)`)
for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(per(v), k)
console.log('--- functions')
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(per(v), k.slice(0, 110))
