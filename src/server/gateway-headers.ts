// Pure. The headers Switchyard adds to a Messages response so a client can see what it did; the
// body's `model` is never touched (it is the upstream's truth).

import type { Decision } from '../policy/types.js'
import type { FallbackHop } from '../upstream/forward.js'
import type { CacheResult } from './outcome.js'

export function gatewayHeaders (
  requestId: string,
  decision: Decision,
  answeredBy: string,
  cacheResult: CacheResult,
  fallbacks: readonly FallbackHop[]
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gateway-request-id': requestId,
    'x-gateway-requested-model': decision.requestedModel,
    'x-gateway-model': answeredBy,
    'x-gateway-cache': cacheResult
  }
  if (decision.rule !== null) headers['x-gateway-rule'] = decision.rule
  if (decision.lifecycleRemap !== null) headers['x-gateway-lifecycle-remap'] = `${decision.lifecycleRemap.from}->${decision.lifecycleRemap.to}`
  if (fallbacks.length > 0) headers['x-gateway-fallbacks'] = fallbacks.map((hop) => `${hop.from}->${hop.to}:${hop.status}`).join(',')
  return headers
}
