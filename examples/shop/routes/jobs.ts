/** GET /api/jobs/:id — a job's status: queued, active, done or dead, with its attempts and last error. */
import type { Hono } from 'hono'
import { queue } from 'corral/io'
import { invalid, Problem } from '../http/problem.js'
import type { ShopEnv } from '../shop.js'

export function jobRoutes(app: Hono<ShopEnv>): void {
  app.get('/api/jobs/:id', async (c) => {
    const jobId = c.req.param('id')
    // Job ids are bigints: kept as text, never through a JS number.
    if (!/^[1-9][0-9]{0,18}$/.test(jobId)) throw invalid('id', 'a positive integer job id', jobId)
    const status = await (await queue()).status(jobId)
    if (!status) throw new Problem('SHOP_NOT_FOUND', `no job ${jobId}`, { jobId })
    return c.json(status)
  })
}
