/** The worker process's entry point: the arbiter spawns this file. */
import { enableCompileCache } from '../compile-cache.js'

// Before the worker's modules load (a static import would load them first).
enableCompileCache()
const { runWorker } = await import('./worker.js')
await runWorker()
