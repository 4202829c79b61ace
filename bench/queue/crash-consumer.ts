// A consumer in a process of its own, for the recovery measure: it takes one job, prints
// "started", and never finishes it; compare.ts SIGKILLs it then. argv: engine tag
import { ENGINES, engineOptions } from './engines/index.js'

const [name, tag] = process.argv.slice(2) as [string, string]
const engine = await ENGINES[name]!(engineOptions(tag, true))
await engine.work(1, async () => {
  console.log('started')
  await new Promise(() => setInterval(() => {}, 1000))
})
console.log('consuming')
