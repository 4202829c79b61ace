/**
 * node:http and node:util, loaded through require rather than `import`.
 *
 * Importing a CommonJS builtin from ESM builds its namespace from every export, and reading a lazy
 * getter runs it. From Node 22, node:http has getters (WebSocket, CloseEvent, MessageEvent) that
 * load Node's bundled undici: `import 'node:http'` took 27–34 ms on Node 22, 24 and 26 against 3 ms
 * through require (Node 20, which has no such getters: 3.7 ms). Every corral process loads
 * node:http, the master first of all, before it forks the workers; a worker whose app never touches
 * fetch, Response or WebSocket then never loads undici. node:util's getters (transferable signals,
 * debounce) cost about 2 ms the same way. Types still come from `import type`, which is erased.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const http = require('node:http') as typeof import('node:http')
export const util = require('node:util') as typeof import('node:util')
