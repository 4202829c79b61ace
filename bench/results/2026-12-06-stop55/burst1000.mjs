import net from 'node:net'
const port = Number(process.argv[2]), n = Number(process.argv[3] ?? 600)
const t0 = performance.now(); let done = 0; const lat = []
for (let i = 0; i < n; i++) {
  const s = net.connect(port, '127.0.0.1', () => { const t = performance.now(); s.write('GET /pid HTTP/1.1\r\nHost: x\r\n\r\n'); s.once('data', () => { lat.push(performance.now() - t); s.destroy(); if (++done === n) { lat.sort((a,b)=>a-b); console.log('n', n, 'p50', lat[n>>1].toFixed(0), 'p99', lat[Math.floor(n*.99)].toFixed(0), 'max', lat[n-1].toFixed(0)) } }) })
  s.on('error', () => { if (++done === n) console.log('errors') })
}
