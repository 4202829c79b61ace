const cluster = require('node:cluster'); const http = require('node:http')
if (cluster.isPrimary) { for (let i = 0; i < 2; i++) cluster.fork() } else {
  http.createServer((req, res) => { setTimeout(() => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok') }, 300) }).listen(Number(process.env.PORT), '127.0.0.1')
}
