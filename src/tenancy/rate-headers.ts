// Pure. The rate-limit headers a tenant's answer carries, named like the API's own
// (anthropic-ratelimit-{requests,input-tokens,output-tokens}-{limit,remaining,reset}): for each
// limit, the scope (tenant or key) with the least left. They replace the upstream's, which describe
// the gateway's organisation, not the client.

import type { Limits } from './limits.js'
import type { ScopeCounters } from './limit-store.js'

const KINDS: ReadonlyArray<[string, keyof Limits, keyof ScopeCounters]> = [
  ['requests', 'requestsPerMinute', 'requests'],
  ['input-tokens', 'inputTokensPerMinute', 'inputTokens'],
  ['output-tokens', 'outputTokensPerMinute', 'outputTokens']
]

/**
 * @example rateLimitHeaders([{ requestsPerMinute: 10, … }], [{ requests: 3, … }], '2026-11-20T12:01:00Z')['anthropic-ratelimit-requests-remaining'] // '7'
 */
export function rateLimitHeaders (limits: readonly Limits[], counters: readonly ScopeCounters[], resetIso: string): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, limitKey, counterKey] of KINDS) {
    let best: { limit: number; remaining: number } | null = null
    for (let i = 0; i < limits.length; i++) {
      const limit = (limits[i] as Limits)[limitKey] as number | null
      if (limit === null) continue
      const used = Number((counters[i] as ScopeCounters)[counterKey])
      const remaining = Math.max(0, limit - used)
      if (best === null || remaining < best.remaining) best = { limit, remaining }
    }
    if (best === null) continue
    headers[`anthropic-ratelimit-${name}-limit`] = String(best.limit)
    headers[`anthropic-ratelimit-${name}-remaining`] = String(best.remaining)
    headers[`anthropic-ratelimit-${name}-reset`] = resetIso
  }
  return headers
}

/** retry-after in whole seconds (at least 1) and retry-after-ms, which the SDKs prefer. */
export function retryAfterHeaders (resetInMs: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(resetInMs / 1000))), 'retry-after-ms': String(Math.max(1, Math.round(resetInMs))) }
}
