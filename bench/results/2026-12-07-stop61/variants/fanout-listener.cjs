module.exports = require('../../../anchors/node/handlers.cjs').fanout
