// Pure. The headers Thriftline adds to a Messages response so a client can see what it did; the
// body's `model` is never touched (it is the upstream's truth). Model names come from the client
// and may be any JSON string: they are written header-safe (headerText), or Node refuses the whole
// response and the client is left without an answer.

import type { Decision } from '../policy/types.js'
import type { FallbackHop } from '../upstream/forward.js'
import type { CacheResult } from './outcome.js'

export function gatewayHeaders (
  requestId: string,
  decision: Decision,
  answeredBy: string,
  /** null: the route has no cache (count_tokens), so the answer claims nothing about one. */
  cacheResult: CacheResult | null,
  fallbacks: readonly FallbackHop[],
  into: Record<string, string | string[]> = {}
): Record<string, string | string[]> {
  // Written into the caller's object: spreading two header objects into a third costs V8 several
  // microseconds per request (a dictionary-mode clone), assigning a handful of keys almost nothing.
  const headers = into
  headers['x-gateway-request-id'] = requestId
  headers['x-gateway-requested-model'] = headerText(decision.requestedModel)
  headers['x-gateway-model'] = headerText(answeredBy)
  if (cacheResult !== null) headers['x-gateway-cache'] = cacheResult
  if (decision.rule !== null) headers['x-gateway-rule'] = decision.rule
  if (decision.lifecycleRemap !== null) headers['x-gateway-lifecycle-remap'] = `${decision.lifecycleRemap.from}->${decision.lifecycleRemap.to}`
  if (fallbacks.length > 0) headers['x-gateway-fallbacks'] = headerText(fallbacks.map((hop) => `${hop.from}->${hop.to}:${hop.status}`).join(','))
  return headers
}

/** Longest header value written from client text: a 100 KB model name must not become a header no client accepts. */
export const MAX_HEADER_TEXT = 256
const PLAIN_HEADER_TEXT = /^[\x20-\x7e]*$/
/** JSON may carry a lone surrogate (`"\ud800"`), which encodeURIComponent refuses. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * `value` as a header value: printable ASCII (every real model id) unchanged; anything else
 * (control characters, CR/LF, non-ASCII) percent-encoded; either way cut to MAX_HEADER_TEXT.
 *
 * @example headerText('claude-😀') // 'claude-%F0%9F%98%80'
 */
export function headerText (value: string): string {
  const plain = PLAIN_HEADER_TEXT.test(value) ? value : encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'))
  return plain.length <= MAX_HEADER_TEXT ? plain : plain.slice(0, MAX_HEADER_TEXT - 3) + '...'
}
