/** The conformance echo app in Hono: what the app saw, as JSON. */
import { Hono } from 'hono'

const app = new Hono()
app.all('*', async (c) => {
  const url = new URL(c.req.url)
  const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text()
  return c.json({ method: c.req.method, target: url.pathname + url.search, host: url.host, body, xEcho: c.req.header('x-echo') ?? null })
})
export default app
