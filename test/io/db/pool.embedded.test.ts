import { poolContract } from './pool.contract.js'
import { startFreshEmbedded } from './embedded-fixture.js'

poolContract('embedded PGlite', startFreshEmbedded, { serverStops: false })
