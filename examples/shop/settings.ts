/**
 * The shop's own settings, read once from env when a worker loads the app. corral's settings
 * (port, workers, database, …) are corral's; these are the app's: where its upstream services
 * are, how long each call may take, and how long cached values live.
 */
export const upstreamNames = ['price', 'recommend', 'favorites', 'user', 'order', 'product'] as const
export type UpstreamName = (typeof upstreamNames)[number]

/** The env var that points the shop at a real service instead of the simulator. */
export const urlVar = (name: UpstreamName) => `SHOP_${name.toUpperCase()}_URL`

export interface ShopSettings {
  /** Where each service is: an http(s) URL, optionally with a path prefix. */
  services: Record<UpstreamName, string>
  /** Per-call budgets in ms: each call past its budget is cut and its field degrades. */
  timeouts: { product: number; stock: number; price: number; recommendations: number; favorites: number; user: number; orders: number; products: number }
  /** Keep-alive connections per service per worker: at 5,000 rps × 200 ms, ~500 calls are in flight per worker on 2 workers. */
  upstreamConnections: number
  /** corral/io's adaptive concurrency per service (fewer calls at once to a service that slows down); SHOP_UPSTREAM_LIMIT=off sends every call. */
  upstreamLimit: boolean
  redisUrl: string | null
  cachePrefix: string
  productTtlMs: number
  stockTtlMs: number
  confirmationConcurrency: number
  confirmationDelayMs: number
}

export class SettingError extends Error {
  code = 'SHOP_SETTING'
  constructor(name: string, expected: string, got: unknown) {
    super(`shop setting ${name}: expected ${expected}, received ${JSON.stringify(got)}`)
  }
}

function ms(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new SettingError(name, 'a whole number of ms >= 0', raw)
  return n
}

function url(env: NodeJS.ProcessEnv, name: UpstreamName): string {
  const raw = env[urlVar(name)] || env.SHOP_SERVICES_URL
  if (!raw) throw new SettingError(urlVar(name), 'an http:// URL (npm start sets it to the simulator; set it, or SHOP_SERVICES_URL, when serving the app yourself)', raw ?? null)
  try {
    const u = new URL(raw)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http')
  } catch {
    throw new SettingError(urlVar(name), 'an http:// or https:// URL', raw)
  }
  return raw
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): ShopSettings {
  const services = Object.fromEntries(upstreamNames.map((n) => [n, url(env, n)])) as Record<UpstreamName, string>
  const connections = ms(env, 'SHOP_UPSTREAM_CONNECTIONS', 1024)
  if (connections < 1) throw new SettingError('SHOP_UPSTREAM_CONNECTIONS', 'a positive integer', env.SHOP_UPSTREAM_CONNECTIONS)
  return {
    services,
    // About twice seed 000's typical latencies (product 80, stock 10, price 150, recommendations 200,
    // favorites 50; gateway 300/400/350): normal variation passes, a stuck service does not hold the page.
    timeouts: {
      product: ms(env, 'SHOP_TIMEOUT_PRODUCT_MS', 500),
      stock: ms(env, 'SHOP_TIMEOUT_STOCK_MS', 100),
      price: ms(env, 'SHOP_TIMEOUT_PRICE_MS', 300),
      recommendations: ms(env, 'SHOP_TIMEOUT_RECOMMENDATIONS_MS', 400),
      favorites: ms(env, 'SHOP_TIMEOUT_FAVORITES_MS', 150),
      user: ms(env, 'SHOP_TIMEOUT_USER_MS', 600),
      orders: ms(env, 'SHOP_TIMEOUT_ORDERS_MS', 800),
      products: ms(env, 'SHOP_TIMEOUT_PRODUCTS_MS', 700),
    },
    upstreamConnections: connections,
    upstreamLimit: env.SHOP_UPSTREAM_LIMIT !== 'off',
    redisUrl: env.REDIS_URL || null,
    cachePrefix: env.SHOP_CACHE_PREFIX || 'shop:',
    productTtlMs: ms(env, 'SHOP_PRODUCT_TTL_MS', 30_000),
    stockTtlMs: ms(env, 'SHOP_STOCK_TTL_MS', 2_000),
    confirmationConcurrency: Math.max(1, ms(env, 'SHOP_CONFIRMATION_CONCURRENCY', 4)),
    confirmationDelayMs: ms(env, 'SHOP_CONFIRMATION_DELAY_MS', 10),
  }
}
