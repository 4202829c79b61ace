/**
 * Scenario `hello`: the plaintext hello world every server benchmark starts with. It measures the
 * server's own cost per request (parse, dispatch, write) and nothing else.
 */
export default {
  fetch(): Response {
    return new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } })
  },
}
