/** What every route of the shop is handed: its settings, its cache and its upstream services. */
import type { Cache } from 'corral/io'
import type { RequestContext } from 'corral'
import type { Service } from './backends.js'
import type { ShopSettings, UpstreamName } from './settings.js'

export interface Shop {
  settings: ShopSettings
  cache: Cache
  services: Record<UpstreamName, Service>
}

/** Hono's type parameter: corral's request context arrives as Hono's `c.env`. */
export type ShopEnv = { Bindings: RequestContext }
