/** The fuzzer's seeds: every conformance case's bytes, valid and invalid alike. */
import { loadCases } from '../conformance/cases.js'

export const bases = () => loadCases().flatMap((f) => f.cases.map((c) => ({
  id: `${f.file}: ${c.id}`,
  bytes: c.send ?? (c.steps ?? []).map((s) => ('send' in s ? s.send : '')).join(''),
})))
