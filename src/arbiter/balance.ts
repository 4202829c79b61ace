/**
 * How connections reach workers (--balance). reuseport: each worker binds its own SO_REUSEPORT
 * socket (Node >= 22.12 on Linux) and the kernel hashes connections across them. round-robin: the
 * master accepts each connection and hands it to the next worker (node:cluster's SCHED_RR).
 * shared: every worker accepts from one shared socket (SCHED_NONE); the kernel wakes whichever
 * worker it likes, which on Linux piles connections onto a few busy processes.
 *
 * auto is round-robin: measured on 2 cores, Node 24 (docs/balance.md), neither reuseport nor
 * shared was faster beyond the noise, so the default is the one without reuseport's drawback: a worker that closes its socket to retire drops the connections
 * still queued in that socket's accept queue unless the kernel's net.ipv4.tcp_migrate_req is 1,
 * which breaks the "reload drops nothing" promise.
 */
import cluster from 'node:cluster'
import { corralError } from '../errors.js'

export type Balance = 'reuseport' | 'round-robin' | 'shared'

export function reusePortAvailable(version = process.versions.node, platform = process.platform): boolean {
  const [major, minor] = version.split('.').map(Number)
  return platform === 'linux' && (major > 22 || (major === 22 && minor >= 12))
}

/** `inheritedFrom`: where the listening sockets came from (systemd, the master before), when they were handed over. */
export function chooseBalance(setting: 'auto' | Balance, inheritedFrom?: string): { balance: Balance; reason: string } {
  if (inheritedFrom && setting !== 'auto' && setting !== 'round-robin') {
    // Handed-over sockets are the master's: workers cannot bind SO_REUSEPORT sockets of their own on them.
    throw corralError('CORRAL_ERR_BALANCE', setting, `the listening sockets come from ${inheritedFrom}; use --balance round-robin (or auto)`)
  }
  if (inheritedFrom) return { balance: 'round-robin', reason: `the master accepts on the sockets from ${inheritedFrom} and hands connections round-robin` }
  if (setting === 'reuseport' && !reusePortAvailable()) {
    throw corralError('CORRAL_ERR_BALANCE', 'reuseport', `needs Node >= 22.12 on Linux; this is Node ${process.versions.node} on ${process.platform}`)
  }
  if (setting !== 'auto') return { balance: setting, reason: 'set by --balance' }
  return { balance: 'round-robin', reason: 'auto: the master accepts and hands connections round-robin (see docs/balance.md)' }
}

/** Must run before the first fork: node:cluster reads the policy once. */
export function applyBalance(balance: Balance): void {
  cluster.schedulingPolicy = balance === 'shared' ? cluster.SCHED_NONE : cluster.SCHED_RR
}
