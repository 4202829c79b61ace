// The floor for bench/shed-cost.ts: node:http answering every request with the 503 corral sheds
// with (same status, headers and body length), no framework, no admission, no pause.
const http = require('node:http')
const body = 'worker at its limit of 8 requests in flight\n'
const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1' }
http.createServer((req, res) => { res.writeHead(503, headers); res.end(body) })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'))
