/** The smallest corral app: a Web-standard fetch handler. `corral serve examples/hello/app.ts` */
export default {
  fetch(_request: Request): Response {
    return new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } })
  },
}
