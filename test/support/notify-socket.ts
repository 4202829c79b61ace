/**
 * A stand-in for systemd's notification socket: a unix datagram socket that records each
 * sd_notify message. Node cannot bind a datagram socket of that family, so a few lines of Debian's
 * python3 do it. Descriptors passed along (systemd-notify's BARRIER=1) are closed at once, which is
 * how the manager tells the sender it has read everything before.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'

const RECEIVER = `
import array, json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps('bound'), flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(data[:len(data) - len(data) % 4])
            for fd in fds:
                os.close(fd)
    if msg.strip() != b'BARRIER=1':
        print(json.dumps(msg.decode()), flush=True)
`

export interface NotifySocket {
  path: string
  /** Every message so far, each parsed into its fields. */
  messages: Record<string, string>[]
  /** Resolves with the first message (from the start, or after `from`) that has all of `fields`. */
  until(fields: Record<string, string>, timeoutMs?: number, from?: number): Promise<Record<string, string>>
}

export async function notifySocket(t: TestContext): Promise<NotifySocket> {
  const path = join(mkdtempSync(join(tmpdir(), 'notify-')), 'notify.sock')
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { child.kill('SIGKILL') })
  const messages: Record<string, string>[] = []
  const waiters = new Set<() => void>()
  let bound!: () => void
  const ready = new Promise<void>((resolve) => { bound = resolve })
  let buf = ''
  child.stdout.on('data', (d) => {
    buf += d
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = JSON.parse(buf.slice(0, nl)) as string
      buf = buf.slice(nl + 1)
      if (text === 'bound') { bound(); continue }
      messages.push(Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])))
      for (const w of waiters) w()
    }
  })
  await ready
  return {
    path,
    messages,
    until: (fields, timeoutMs = 20_000, from = 0) => new Promise((resolve, reject) => {
      const check = () => {
        const m = messages.slice(from).find((x) => Object.entries(fields).every(([k, v]) => x[k] === v))
        if (m) { done(); resolve(m) }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`no sd_notify message with ${JSON.stringify(fields)}; got ${JSON.stringify(messages)}`)) }, timeoutMs)
      const done = () => { clearTimeout(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    }),
  }
}
