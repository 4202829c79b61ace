import { PerformanceObserver, constants } from 'node:perf_hooks'
import { writeFileSync } from 'node:fs'
import v8 from 'node:v8'
const c = { minor: 0, major: 0, minorMs: 0, majorMs: 0 }
new PerformanceObserver((l) => { for (const e of l.getEntries()) { const k = e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'major'; c[k]++; c[k + 'Ms'] += e.duration } }).observe({ entryTypes: ['gc'] })
setInterval(() => {
  const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
  writeFileSync(`/tmp/gcw/${process.pid}.json`, JSON.stringify({ argv: process.argv.slice(1, 3).join(' '), ...c, newSpace: ns?.space_size, cpu: process.cpuUsage() }))
}, 1000).unref()
