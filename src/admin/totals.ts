/**
 * Counts for the whole server that only ever grow, though workers come and go. A worker's own
 * counters vanish with it (and Prometheus' sum across workers drops when one exits), so each
 * sample adds what every worker counted since its previous reading: the difference of two totals
 * taken at two times is then exactly what the server did in between, whatever was replaced.
 *
 * A series seen for the first time counts from zero: the monitor starts before the first worker
 * is spawned, so nothing a worker counted predates it. A series read again after a pause (nobody
 * watched, so only heartbeats were read) adds the whole pause's growth in one sample; the monitor
 * knows which samples follow a pause and never computes a rate across one.
 */
import type { MetricSample } from './readings.js'

interface Seen { values: Map<string, number> }

export class Totals {
  /** The running sum for the server, by series key. */
  readonly #sum = new Map<string, MetricSample>()
  readonly #workers = new Map<number, Seen>()

  /** Add one worker's current counters. */
  add(worker: number, counters: Map<string, MetricSample>): void {
    let seen = this.#workers.get(worker)
    if (!seen) this.#workers.set(worker, (seen = { values: new Map() }))
    for (const [key, s] of counters) {
      const before = seen.values.get(key)
      seen.values.set(key, s.value)
      const grew = s.value - (before ?? 0)
      if (grew <= 0) continue
      const acc = this.#sum.get(key)
      if (acc) acc.value += grew
      else this.#sum.set(key, { name: s.name, labels: s.labels, value: grew })
    }
  }

  /** Forget workers that are gone, so their memory goes too. */
  keepOnly(workers: Set<number>): void {
    for (const id of this.#workers.keys()) if (!workers.has(id)) this.#workers.delete(id)
  }

  /** A copy to keep for later differences. */
  copy(): Map<string, number> {
    const out = new Map<string, number>()
    for (const [key, s] of this.#sum) out.set(key, s.value)
    return out
  }

  /** What grew between an earlier copy and now, as samples (series that did not grow are left out). */
  since(earlier: Map<string, number>): MetricSample[] {
    const out: MetricSample[] = []
    for (const [key, s] of this.#sum) {
      const grew = s.value - (earlier.get(key) ?? 0)
      if (grew > 0) out.push({ name: s.name, labels: s.labels, value: grew })
    }
    return out
  }

  /** Everything counted since the start, as samples. */
  all(): MetricSample[] { return [...this.#sum.values()] }
}
