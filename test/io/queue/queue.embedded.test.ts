import { queueContract } from './queue.contract.js'
import { startFreshEmbedded } from '../db/embedded-fixture.js'

queueContract('embedded PGlite', startFreshEmbedded)
