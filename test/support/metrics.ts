/**
 * Reading a server's /metrics in tests: every sample as { name, labels, value }, and waiting until
 * the server itself reports a state (a gauge reaching a value, a counter counting an event): the
 * evidence of ordering comes from the server, never from a sleep.
 */
import { pollFor } from './poll.js'

export interface Sample { name: string; labels: Record<string, string>; value: number }

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line)
    if (!m) throw new Error(`not Prometheus text: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2]
    samples.push({ name: m[1], labels, value: Number(m[3]) })
  }
  return samples
}

export async function scrape(admin: string): Promise<Sample[]> {
  return parseMetrics(await (await fetch(admin + '/metrics')).text())
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const s of samples) {
    if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value
  }
  return sum
}

/** Scrape until `check` holds; fail with the last samples after `timeoutMs`. */
export function until(admin: string, what: string, check: (samples: Sample[]) => boolean, timeoutMs = 15_000): Promise<Sample[]> {
  let last: Sample[] = []
  return pollFor(what, async () => { last = await scrape(admin); return check(last) && last }, {
    timeoutMs, everyMs: 25,
    last: () => `last metrics:\n${last.filter((s) => !s.name.endsWith('_bucket')).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).join('\n')}`,
  })
}
