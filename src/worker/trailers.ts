/**
 * Trailer fields a request may not carry (RFC 9110 §6.5.1): those that frame the message, route
 * it, authenticate it, or modify how it is handled must be known before the content, so a sender
 * must not put them after it. node:http accepts any trailer; an app or a proxy behind corral that
 * merged one into the headers would act on a Host or a Content-Length the framing never used.
 */
const FORBIDDEN = new Set([
  // framing
  'content-length', 'transfer-encoding', 'trailer', 'te', 'connection', 'keep-alive', 'upgrade',
  'content-encoding', 'content-range', 'content-type',
  // routing and request modifiers
  'host', 'expect', 'max-forwards', 'range', 'if-match', 'if-none-match', 'if-modified-since',
  'if-unmodified-since', 'if-range', 'cache-control', 'pragma',
  // authentication and state
  'authorization', 'proxy-authorization', 'cookie',
])

/** The first trailer field of `req` that may not be a trailer, if any (read once its body has ended). */
export function forbiddenTrailer(rawTrailers: string[]): string | undefined {
  for (let i = 0; i < rawTrailers.length; i += 2) {
    if (FORBIDDEN.has(rawTrailers[i].toLowerCase())) return rawTrailers[i]
  }
  return undefined
}
