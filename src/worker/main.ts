/** The worker process's entry point: the arbiter spawns this file. */
import { runWorker } from './worker.js'

await runWorker()
