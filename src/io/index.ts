/** corral/io: the I/O toolkit. Each line re-exports one piece. */
export { onClose, closeResources } from './lifecycle.js'
export { createDb, type Db, type DbOptions, type Queryable, type QueryOptions } from './db/pool.js'
export { planPoolSize, readServerLimits, headroomFor, type PoolPlan, type ServerLimits, type SizingInput } from './db/sizing.js'
export { startEmbeddedPostgres, EMBEDDED_MAX_CONNECTIONS, type EmbeddedOptions, type EmbeddedPostgres } from './db/embedded.js'
export { migrate, type MigrateOptions, type MigrateResult } from './db/migrate.js'
export { createQueue, type Queue, type QueueOptions, type JobOptions, type JobState, type JobStatus } from './queue/queue.js'
export type { Job, Handler, WorkOptions, Consumer } from './queue/consumer.js'
