import type { ServerResponse } from 'node:http'

/**
 * After corral has answered for the app (a 504, or a stream it ended), the app may still try to answer: make that a no-op
 * instead of an ERR_HTTP_HEADERS_SENT thrown into its code. Only this one response is changed.
 */
export function silence(res: ServerResponse): void {
  const self = () => res
  res.writeHead = self as unknown as ServerResponse['writeHead']
  res.setHeader = self as unknown as ServerResponse['setHeader']
  res.removeHeader = () => {}
  res.write = (() => true) as unknown as ServerResponse['write']
  res.end = self as unknown as ServerResponse['end']
}
