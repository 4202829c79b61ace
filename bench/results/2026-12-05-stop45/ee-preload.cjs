'use strict'
const cluster = require('node:cluster')
if (!cluster.isPrimary) {
  const EE = require('node:events')
  const orig = EE.init
  const order = []
  EE.init = function (o) { const k = this.constructor?.name + (Object.getPrototypeOf(this) === this.constructor?.prototype ? '' : '*'); order.push(k); return orig.call(this, o) }
  process.on('SIGURG', () => { const first = new Map(); order.forEach((k, i) => { if (!first.has(k)) first.set(k, i) }); console.log('EE', [...first].map(([k, i]) => k + '@' + i).join(', '), 'total', order.length) })
}
