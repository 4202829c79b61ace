/**
 * The Node flags a worker starts with: the master's own (a --import, an --inspect port), and the
 * young generation's size from --worker-semi-space unless the operator set Node's flag already, in
 * NODE_OPTIONS or on the master's command line, where theirs wins.
 *
 * Why: on Node 20 and 22 the young generation stops at 16 MB per semi-space, and a worker of an
 * I/O-bound service (JSON in and out, a few upstream calls a request, hundreds in flight) fills it
 * hundreds of times a second; each scavenge copies what is still alive, and the requests in flight
 * are. At 32 MB the fan-out at 1,000 connections spent 13% less CPU per request (bench/README.md).
 * The price is boot time on those Nodes: any V8 flag on the command line makes them compile their
 * own built-in modules afresh instead of taking the code cache built into the binary, about 25 ms
 * per worker. Node 24 and later size the young generation from the memory available (32-64 MB per
 * semi-space on the development VM), so "auto" leaves them alone: a fixed 32 would lower theirs.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size'

const AUTO_SEMI_SPACE_MB = 32

/** "auto": 32 MB on Node 20 and 22, Node's own (0) from Node 24 on. */
export function semiSpaceMb(setting: number | 'auto', nodeMajor = Number(process.versions.node.split('.')[0])): number {
  return setting !== 'auto' ? setting : nodeMajor < 24 ? AUTO_SEMI_SPACE_MB : 0
}

export function workerFlags(setting: number | 'auto', execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const mb = semiSpaceMb(setting)
  const setByOperator = nodeOptions.includes(SEMI_SPACE_FLAG) || execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG))
  return mb === 0 || setByOperator ? [...execArgv] : [...execArgv, `${SEMI_SPACE_FLAG}=${mb}`]
}
