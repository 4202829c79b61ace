// Preload: in cluster workers, SIGWINCH starts sampling allocations (collected ones too); the next SIGWINCH writes the profile.
import cluster from 'node:cluster'
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'
if (cluster.isWorker) {
  const s = new Session(); s.connect()
  const post = (m, p) => new Promise((res, rej) => s.post(m, p, (e, r) => e ? rej(e) : res(r)))
  let on = false
  process.on('SIGWINCH', async () => {
    if (!on) { on = true; await post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }); return }
    on = false
    const { profile } = await post('HeapProfiler.stopSampling')
    writeFileSync(`/tmp/hs-${process.env.HS_TAG ?? 'x'}-${process.pid}.json`, JSON.stringify(profile))
  })
}
