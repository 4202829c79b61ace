/**
 * The Node flags a worker starts with: the master's own (a --import, an --inspect port), and the
 * young generation's size from --worker-semi-space unless the operator set Node's flag already, in
 * NODE_OPTIONS or on the master's command line, where theirs wins.
 *
 * Why a default at all: on Node 20 the young generation stops at 16 MB per semi-space, and a worker
 * of an I/O-bound service (JSON in and out, a few upstream calls a request) fills it hundreds of
 * times a second; each scavenge copies what is still alive, and the requests in flight are. At 32 MB
 * the fan-out at 1,000 connections spent 9% less CPU per request (bench/README.md). A worker that
 * allocates little never grows into it: hello's RSS moved by under 1 MB.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size'

export function workerFlags(semiSpaceMb: number, execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const setByOperator = nodeOptions.includes(SEMI_SPACE_FLAG) || execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG))
  return semiSpaceMb === 0 || setByOperator ? [...execArgv] : [...execArgv, `${SEMI_SPACE_FLAG}=${semiSpaceMb}`]
}
