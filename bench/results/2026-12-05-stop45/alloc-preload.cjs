'use strict'
// SIGURG in a worker: start V8's sampling heap profiler counting every allocation (collected ones too);
// the next SIGURG stops it and writes /tmp/alloc-<pid>.json.
const cluster = require('node:cluster')
if (!cluster.isPrimary) {
  const { Session } = require('node:inspector')
  const s = new Session(); s.connect()
  let on = false
  process.on('SIGURG', () => {
    if (!on) {
      on = true
      s.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }, (e) => { if (e) console.error(e) })
    } else {
      s.post('HeapProfiler.stopSampling', (e, r) => {
        require('node:fs').writeFileSync(`/tmp/alloc-${process.pid}.json`, JSON.stringify(r.profile))
      })
    }
  })
}
