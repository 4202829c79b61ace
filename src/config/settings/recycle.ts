import { section } from '../setting.js'
import { bytes, duration, nonNegativeInt } from '../parse.js'

export const recycle = section('Worker recycling', {
  maxRequests: {
    parse: nonNegativeInt, default: 0,
    doc: `Recycle a worker after it has served this many requests (a guard against slow leaks). 0 turns it off.`,
  },
  maxRequestsJitter: {
    parse: nonNegativeInt, default: 0,
    doc: `Add a random 0..N to each worker's --max-requests so the workers do not all recycle at once.`,
  },
  maxWorkerLifetime: {
    parse: duration, default: 0,
    doc: `Recycle a worker after it has lived this long. 0 turns it off.`,
  },
  maxWorkerLifetimeJitter: {
    parse: duration, default: 0,
    doc: `Add a random 0..N to each worker's --max-worker-lifetime.`,
  },
  maxWorkerMemory: {
    parse: bytes, default: 0,
    doc: `Recycle a worker whose resident memory (RSS, sampled every few seconds) passes this size. 0 turns it off.`,
  },
  minWorkerUptime: {
    parse: duration, default: 10_000,
    doc: `A worker is never recycled before it has lived this long, so a recycle policy cannot churn workers.`,
  },
})
