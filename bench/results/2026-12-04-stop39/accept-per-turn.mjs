// One accept per loop turn per listening handle (libuv >= 1.45)? K handles of one socket -> K per turn?
import { fork } from 'node:child_process'
import net from 'node:net'
const K = Number(process.argv[2] || 1), N = 300
if (process.argv[3] === 'child') {
  let accepted = 0, turns = 0, first = 0
  const t0 = Date.now()
  setInterval(() => { turns++; const e = Date.now() + 10; while (Date.now() < e); }, 0)
  process.on('message', (m, h) => {
    const s = net.createServer((c) => { if (!first) first = Date.now(); if (++accepted === N) { console.log(`K=${K}: ${N} accepted in ${Date.now() - first} ms, ${turns} busy turns`); process.exit(0) } })
    s.listen(h)
  })
} else {
  const srv = net.createServer(); srv.listen(0, '127.0.0.1', 2048, async () => {
    const port = srv.address().port
    const child = fork(new URL(import.meta.url).pathname, [String(K), 'child'])
    for (let i = 0; i < K; i++) await new Promise((r) => child.send('h', srv._handle, r))
    srv.close()  // parent's watched copy closed; the child's copies keep the socket
    await new Promise((r) => setTimeout(r, 300))
    const socks = []
    for (let i = 0; i < N; i++) socks.push(net.connect(port, '127.0.0.1'))
    child.on('exit', () => { for (const s of socks) s.destroy() })
  })
}
