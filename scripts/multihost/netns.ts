/**
 * A private network of hosts on this machine: one Linux network namespace per host, each with a
 * veth whose other end sits on a bridge in a namespace of its own (the switch). Addresses are in
 * 10.213.0.0/24, configured only on those veths; nothing is added to the machine's own namespace,
 * so no traffic between the hosts can leave them, and runs in parallel (each with its own switch)
 * cannot see each other.
 *
 * Removing the network kills every process still inside its namespaces (all started by this run:
 * nothing else can enter them) and deletes them, which deletes the veths and the bridge. It runs
 * on remove(), on process exit and on SIGINT/SIGTERM/SIGHUP; namespaces left by a run that was
 * SIGKILLed are swept by the next run (their owner pid is in the name and no longer alive).
 *
 * Needs root (CAP_NET_ADMIN) and iproute2's `ip`.
 */
import { spawnSync } from 'node:child_process'

export const SUBNET = '10.213.0'
const PREFIX = 'cmh'

export interface Network {
  /** The namespace of a host role (lb, data, h1, …). */
  ns(role: string): string
  /** Its address on the private network. */
  addr(role: string): string
  /** argv that runs `cmd` inside the role's namespace. */
  exec(role: string, cmd: string[]): string[]
  /** Every pid inside the network's namespaces. */
  pids(): number[]
  remove(): void
}

function ip(args: string[], allowFail = false): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0 && !allowFail) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr || r.error?.message}`)
  return r.stdout ?? ''
}

/** Why this machine cannot make namespaces, or undefined when it can. */
export function cannotMakeNamespaces(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN)'
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  if (r.error || r.status !== 0) return `iproute2's ip is missing or refuses netns (${r.error?.message ?? r.stderr.trim()}; apt-get install iproute2)`
  return undefined
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' } }

function namespaces(): string[] {
  return ip(['netns', 'list'], true).split('\n').map((l) => l.split(' ')[0]).filter(Boolean)
}

function removeNamespaces(names: string[]): void {
  // Kill first: a process keeps a deleted namespace (and its veth) alive.
  for (const ns of names) {
    for (const pid of ip(['netns', 'pids', ns], true).split('\n').filter(Boolean).map(Number)) {
      try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
    }
  }
  for (const ns of names) ip(['netns', 'del', ns], true)
}

/** Namespaces of runs whose process no longer exists (SIGKILLed before they could clean up). */
export function sweepStale(): void {
  const stale = namespaces().filter((n) => {
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(n)
    return m !== null && !alive(Number(m[1]))
  })
  removeNamespaces(stale)
}

const live = new Set<Network>()
let hooked = false
function hookExit(): void {
  if (hooked) return
  hooked = true
  const removeAll = () => { for (const n of [...live]) n.remove() }
  process.once('exit', removeAll)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { removeAll(); process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]) })
  }
}

let made = 0

/**
 * Makes the network: `roles` in order get addresses from `first`, `first + 1`, … unless `fixed`
 * names one (e.g. { lb: 1, data: 2 }).
 */
export function createNetwork(roles: string[], fixed: Record<string, number> = {}): Network {
  sweepStale()
  const id = `${PREFIX}${process.pid}-${made++}`
  const sw = `${id}-sw`
  const hostNo = new Map<string, number>()
  let next = 11
  for (const r of roles) hostNo.set(r, fixed[r] ?? next++)
  const nsOf = (role: string) => `${id}-${role}`
  let removed = false
  const network: Network = {
    ns: nsOf,
    addr: (role) => `${SUBNET}.${hostNo.get(role) ?? (() => { throw new Error(`no host ${role}`) })()}`,
    exec: (role, cmd) => ['ip', 'netns', 'exec', nsOf(role), ...cmd],
    pids: () => [sw, ...roles.map(nsOf)].flatMap((ns) => ip(['netns', 'pids', ns], true).split('\n').filter(Boolean).map(Number)),
    remove() {
      if (removed) return
      removed = true
      live.delete(network)
      removeNamespaces([...roles.map(nsOf), sw])
    },
  }
  live.add(network)
  hookExit()
  try {
    ip(['netns', 'add', sw])
    ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge'])
    ip(['-n', sw, 'link', 'set', 'br0', 'up'])
    for (const role of roles) {
      const ns = nsOf(role)
      ip(['netns', 'add', ns])
      ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      // The switch's end is named for the role; the host's end is eth0, as on a real machine.
      ip(['-n', sw, 'link', 'add', `p-${role}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
      ip(['-n', sw, 'link', 'set', `p-${role}`, 'master', 'br0', 'up'])
      ip(['-n', ns, 'addr', 'add', `${network.addr(role)}/24`, 'dev', 'eth0'])
      ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
    }
  } catch (err) {
    network.remove()
    throw err
  }
  return network
}
