/**
 * What the hosts serve: the shop, as one release of it. A deploy changes MH_RELEASE (and corral's
 * settings); every answer says which release served it (X-Release), so a rolling deploy shows
 * each host moving from the old release to the new one, and the client sees both while it rolls.
 */
import shop, { ready } from '../../examples/shop/app.js'
import type { RequestContext } from 'corral'

const release = process.env.MH_RELEASE ?? 'unnamed'

export default {
  async fetch(request: Request, ctx: RequestContext): Promise<Response> {
    const res = await shop.fetch(request, ctx as never)
    const headers = new Headers(res.headers)
    headers.set('x-release', release)
    return new Response(await res.arrayBuffer(), { status: res.status, headers })
  },
}

export { ready }
