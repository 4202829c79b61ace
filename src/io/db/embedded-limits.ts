/**
 * How many connections the embedded PGlite's socket server accepts (embedded-wire.ts); all of
 * them share PGlite's single backend, taking turns.
 * Its own file so sizing can read it without loading PGlite.
 */
export const EMBEDDED_MAX_CONNECTIONS = 64
