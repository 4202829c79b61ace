import { migrateContract } from './migrate.contract.js'
import { startFreshEmbedded } from './embedded-fixture.js'

migrateContract('embedded PGlite', startFreshEmbedded)
