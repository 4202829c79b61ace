/**
 * The servers in the order round `round` (1-based) loads them: the list turned by one place each
 * round (A B C, B C A, C A B, …; with two servers A B, B A). With a fixed order each server always
 * follows the same other one and inherits what that one leaves behind (its idle-time garbage
 * collection, its closing connections), a bias of the same size as the few percent the hello table
 * is read for. Reversing every other round, as this did before, left the middle one of three always
 * after another server's run: at 100 fan-out connections it read 1.5x the CPU per request of the
 * same code in first or last place (stops 24 and 25), and the shared upstream's CPU with it.
 */
export function inTurn<T>(servers: readonly T[], round: number): readonly T[] {
  const k = (round - 1) % Math.max(1, servers.length)
  return [...servers.slice(k), ...servers.slice(0, k)]
}
