'use strict'
const cluster = require('node:cluster')
if (!cluster.isPrimary) {
  process.on('SIGURG', () => { %DebugPrint(require('node:events').init) })
}
