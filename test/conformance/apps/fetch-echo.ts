/** The conformance echo app as a Web-standard fetch handler: what the app saw, as JSON. */
export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    return Response.json({ method: request.method, target: url.pathname + url.search, host: url.host, body, xEcho: request.headers.get('x-echo') })
  },
}
