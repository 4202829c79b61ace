/** The settings table: every section, in the order --help and docs/settings.md show them. */
import type { Setting } from '../setting.js'
import { server } from './server.js'
import { workers } from './workers.js'
import { http } from './http.js'
import { tls } from './tls.js'
import { http2 } from './http2.js'
import { websocket } from './websocket.js'
import { timeouts } from './timeouts.js'
import { logging } from './logging.js'
import { recycle } from './recycle.js'
import { admin } from './admin.js'
import { database } from './database.js'
import { proxy } from './proxy.js'
import { offload } from './offload.js'
import { overload } from './overload.js'
import { development } from './development.js'

export const settings = { ...server, ...workers, ...http, ...proxy, ...tls, ...http2, ...websocket, ...timeouts, ...logging, ...recycle, ...admin, ...database, ...offload, ...overload, ...development }

type Table = typeof settings
export type SettingName = keyof Table

/** The frozen config every part of corral reads: each setting's parsed value, inferred from the table. */
export type Settings = { readonly [K in SettingName]: Table[K] extends Setting<infer T> ? T : never }

export const settingList: readonly Setting<unknown>[] = Object.values(settings)
