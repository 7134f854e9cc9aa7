// Pure. Whether a request may be answered from the cache and whether its answer may be stored.
// Sampling is stochastic, so caching is opt-in: by default only
// `temperature: 0` requests replay; a policy or a request header can widen that.

import type { CacheMode } from '../config/types.js'
import type { RuleCacheDirective } from '../policy/types.js'
import type { Message, MessagesRequest } from '../types/anthropic.js'
import { isRecord } from '../types/anthropic.js'

/** Request header a client (e.g. on API 2026-10-21, which cannot send temperature) opts in with. */
export const OPT_IN_HEADER = 'x-gateway-cache'

export interface CachingInput {
  mode: CacheMode
  ttlSeconds: number
  rule: RuleCacheDirective | undefined
  /** Value of the x-gateway-cache request header. */
  optIn: string | undefined
  /** Value of the cache-control request header. */
  cacheControl: string | undefined
  /**
   * The client presented a credential the gateway recognises (x-api-key or Authorization: Bearer),
   * which is what a cache scope is made of. Anything else (Basic auth, x-goog-api-key, none) would
   * put every such client in one scope, where one would read another's answers.
   */
  hasCredential: boolean
}

export interface CachingPlan {
  lookup: boolean
  store: boolean
  ttlSeconds: number
  reason: string
}

/**
 * Client-executed tool types (the client runs them; the model's answer depends only on the
 * request). Every other versioned tool type is a server tool with live data or side effects.
 */
const CLIENT_TOOL_PREFIXES = ['custom', 'bash_2', 'text_editor_2', 'computer_2', 'memory_2']
const STATEFUL_FIELDS = ['mcp_servers', 'container', 'thread', 'context_management', 'compaction']

function bypass (reason: string): CachingPlan {
  return { lookup: false, store: false, ttlSeconds: 0, reason }
}

export function planCaching (outgoing: MessagesRequest, input: CachingInput): CachingPlan {
  const directives = (input.cacheControl ?? '').toLowerCase()
  if (directives.includes('no-store')) return bypass('cache-control: no-store')
  if (input.rule === false) return bypass('rule disables caching')
  if (!input.hasCredential) return bypass('no recognised credential (x-api-key or Authorization: Bearer)')
  const optIn = input.optIn?.trim().toLowerCase()
  if (optIn === 'off') return bypass(`${OPT_IN_HEADER}: off`)
  const mode = input.rule?.mode ?? input.mode
  if (mode === 'off' && optIn !== 'on') return bypass('cache mode off')
  const unsafe = uncacheableReason(outgoing)
  if (unsafe !== null) return bypass(unsafe)
  if (mode === 'deterministic' && optIn !== 'on' && outgoing.temperature !== 0) return bypass('not deterministic (temperature is not 0)')
  const ttlSeconds = input.rule?.ttlSeconds ?? input.ttlSeconds
  const noCache = directives.includes('no-cache')
  return { lookup: !noCache, store: true, ttlSeconds, reason: noCache ? 'cache-control: no-cache (refresh)' : 'cacheable' }
}

function uncacheableReason (outgoing: MessagesRequest): string | null {
  if (outgoing.max_tokens === 0) return 'max_tokens 0 (prompt-cache pre-warm)'
  for (const field of STATEFUL_FIELDS) if (outgoing[field] !== undefined) return `${field} is stateful`
  for (const tool of outgoing.tools ?? []) {
    const type = isRecord(tool) && typeof tool.type === 'string' ? tool.type : 'custom'
    if (!CLIENT_TOOL_PREFIXES.some((prefix) => type.startsWith(prefix))) return `server tool ${type}`
  }
  return null
}

/** Only complete answers are replayed: not paused server-tool loops, refusals or truncations. */
export function isStorableMessage (message: Message): boolean {
  return message.type === 'message' && Array.isArray(message.content) &&
    message.stop_reason !== 'pause_turn' && message.stop_reason !== 'refusal' && message.stop_reason !== 'max_tokens' &&
    message.stop_reason !== 'model_context_window_exceeded'
}
