/** The conformance echo app in Fastify: what the app saw, as JSON. */
import Fastify from 'fastify'

const app = Fastify()
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
app.all('*', async (request) => ({ method: request.method, target: request.url, host: request.headers.host, body: typeof request.body === 'string' ? request.body : '', xEcho: request.headers['x-echo'] ?? null }))
export default app
