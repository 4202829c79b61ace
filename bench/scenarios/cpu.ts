/**
 * Scenario `cpu`: a CPU-bound handler (about 20 ms of PBKDF2 on this kind of machine), where the
 * worker model decides the outcome: an event loop can only run one at a time, threads can run
 * several. PBKDF2 is used because Node and Python both call OpenSSL for it, so every server does
 * the same work, free of interpreter speed. BENCH_CPU_ITERATIONS sets the work (default 100000).
 *
 * Each scenario module is self-contained (no relative imports) so that corral can load it
 * whatever its .ts loader resolves.
 */
import { pbkdf2Sync } from 'node:crypto'

const iterations = Number(process.env.BENCH_CPU_ITERATIONS ?? 100_000)

export default {
  fetch(): Response {
    const key = pbkdf2Sync('corral', 'bench', iterations, 32, 'sha256')
    return Response.json({ key: key.toString('hex') })
  },
}
