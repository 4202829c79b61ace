/**
 * How many connections the embedded PGlite's socket server accepts. pglite-socket accepts one
 * unless told otherwise; all of them share PGlite's single backend through a query queue.
 * Its own file so sizing can read it without loading PGlite.
 */
export const EMBEDDED_MAX_CONNECTIONS = 64
