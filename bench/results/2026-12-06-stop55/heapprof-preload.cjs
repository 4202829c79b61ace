// Samples every allocation site (collected objects included) in this process's main thread from
// HEAPPROF_START_MS after start for HEAPPROF_MS, then writes /tmp/heapprof/<pid>.json.
const { isMainThread } = require('worker_threads')
if (isMainThread && process.env.HEAPPROF) {
  const inspector = require('inspector'); const fs = require('fs')
  const s = new inspector.Session(); s.connect()
  setTimeout(() => {
    s.post('HeapProfiler.enable', () => s.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, () => {
      setTimeout(() => s.post('HeapProfiler.stopSampling', (err, r) => {
        fs.mkdirSync('/tmp/heapprof', { recursive: true })
        fs.writeFileSync(`/tmp/heapprof/${process.pid}.json`, JSON.stringify(r.profile))
      }), Number(process.env.HEAPPROF_MS ?? 4000)).unref()
    }))
  }, Number(process.env.HEAPPROF_START_MS ?? 6000)).unref()
}
