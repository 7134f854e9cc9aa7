// Pure. Which headers cross the gateway. End-to-end headers pass unchanged in both directions;
// hop-by-hop headers (RFC 9110 §7.6.1) and those named by `connection` never do.

export type HeaderMap = Record<string, string | string[] | undefined>

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'host', 'http2-settings',
  // Node answers `100 Continue` to the client itself and the body is sent upstream whole or
  // streamed at once; undici refuses to send `expect` (every such request became a 502).
  'expect'
])

function connectionListed (headers: HeaderMap): Set<string> | null {
  const value = headers.connection
  // The usual values name only hop-by-hop headers already dropped: no Set per request.
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') return null
  const names = (Array.isArray(value) ? value.join(',') : value).split(',')
  const listed = new Set<string>()
  for (const name of names) {
    const trimmed = name.trim().toLowerCase()
    if (trimmed !== '') listed.add(trimmed)
  }
  return listed
}

export interface RequestHeaderOptions {
  /** The body is re-serialised: drop the client's content-length (undici sets the new one). */
  bodyReplaced: boolean
  /** The gateway reads the response (usage, cache, results_url): ask upstream for identity. */
  readsResponse: boolean
}

/** End-to-end headers only, minus the names in `drop`. */
function endToEnd (headers: HeaderMap, drop: ReadonlySet<string>): Record<string, string | string[]> {
  const listed = connectionListed(headers)
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith('proxy-') || drop.has(name) || listed?.has(name) === true) continue
    out[name] = value
  }
  return out
}

const NONE = new Set<string>()
const CONTENT_LENGTH = new Set(['content-length'])
/** The gateway's own request header is for the gateway, not the upstream. */
const GATEWAY_ONLY = new Set(['x-gateway-cache'])
const REQUEST_DROPS = {
  plain: GATEWAY_ONLY,
  bodyReplaced: new Set([...GATEWAY_ONLY, 'content-length']),
  readsResponse: new Set([...GATEWAY_ONLY, 'accept-encoding']),
  both: new Set([...GATEWAY_ONLY, 'content-length', 'accept-encoding'])
}

/** Headers to send upstream for a client request. */
export function upstreamRequestHeaders (incoming: HeaderMap, options: RequestHeaderOptions): Record<string, string | string[]> {
  const drop = options.bodyReplaced
    ? (options.readsResponse ? REQUEST_DROPS.both : REQUEST_DROPS.bodyReplaced)
    : (options.readsResponse ? REQUEST_DROPS.readsResponse : REQUEST_DROPS.plain)
  const out = endToEnd(incoming, drop)
  if (options.readsResponse) out['accept-encoding'] = 'identity'
  return out
}

/** Headers to return to the client from an upstream response. */
export function clientResponseHeaders (upstream: HeaderMap, options: { bodyReplaced: boolean }): Record<string, string | string[]> {
  return endToEnd(upstream, options.bodyReplaced ? CONTENT_LENGTH : NONE)
}

/** First value of a header, for reading. */
export function headerValue (headers: HeaderMap, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The credential the client presented: `x-api-key` wins over `Authorization: Bearer`, as upstream does. */
export function credentialOf (headers: HeaderMap): string | null {
  const apiKey = headerValue(headers, 'x-api-key')
  if (apiKey !== undefined && apiKey.trim() !== '') return apiKey.trim()
  const auth = headerValue(headers, 'authorization')
  if (auth === undefined) return null
  const match = /^bearer\s+(.+)$/i.exec(auth.trim())
  return match?.[1] !== undefined ? match[1].trim() : null
}
