// What the API routes get from buildApp, as plugin options.

import type { UpstreamClient } from '../upstream/client.js'
import type { OutcomeSink } from './outcome.js'
import type { ResponseCache } from '../cache/response-cache.js'
import type { PromptCacheStateStore } from '../prompt-cache/state-store.js'
import type { Metrics } from '../metrics/registry.js'
import type { Tenancy } from '../tenancy/create-tenancy.js'
import type { Resilience } from '../upstream/resilience.js'

export interface RouteDeps {
  upstream: UpstreamClient
  /** Circuit breakers and the retry budget, shared by every route of the app. */
  resilience: Resilience
  outcomes: OutcomeSink
  /** Null when caching is disabled for this app. */
  cache: ResponseCache | null
  /** Which models hold which conversation's prompt cache warm; null = not tracked. */
  promptCache: PromptCacheStateStore | null
  /** Uniform [0, 1): the only source of chance, for unsticky splits. */
  random: () => number
  /** Current time in ms; injectable so lifecycle dates can be tested. */
  now: () => number
  /** Public origin for rewritten batch results_url; null = derived from the request. */
  publicUrl: string | null
  /** Upstream answers (and single SSE events) are held whole up to this size; larger ones are relayed unread. */
  upstreamBufferLimitBytes: number
  /** Limits, budgets and keys; null when the app was built without them (then tenants only label metrics). */
  tenancy: Tenancy | null
  metrics: Metrics | null
}
