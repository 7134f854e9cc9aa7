// What one request did, handed to the metrics after it ends. Plain data.

import type { Usage } from '../types/anthropic.js'
import type { FallbackHop } from '../upstream/forward.js'
import type { BatchSpend } from '../pricing/batch-results.js'

export type RouteName = 'messages' | 'count_tokens' | 'models' | 'batches' | 'files' | 'passthrough' | 'explain' | 'other'
export type CacheResult = 'hit' | 'miss' | 'bypass'

export interface RequestOutcome {
  route: RouteName
  requestedModel: string | null
  /** The model that answered (after fallbacks). */
  routedModel: string | null
  rule: string | null
  tenant: string | null
  status: number
  stream: boolean
  cacheResult: CacheResult
  /** Final usage: the JSON body's, the merged SSE usage, or the cached response's on a hit. */
  usage: Usage | null
  modifiers: { batch: boolean; inferenceGeo: string | undefined; speed: string | undefined }
  durationSeconds: number
  ttftSeconds: number | null
  /** Time spent waiting on the upstream; overhead = duration − upstream. */
  upstreamSeconds: number
  fallbacks: readonly FallbackHop[]
  skipped: readonly { rule: string; reason: string }[]
  shadow: { rule: string; targetModel: string } | null
  lifecycleRemap: { from: string; to: string } | null
  /** Anthropic error.type, or timeout / connect_error / stream_error. */
  upstreamErrorType: string | null
  isoDate: string
}

/**
 * The status recorded for a request whose client went away before its answer's headers (nginx's
 * convention): a user's cancellation, never a gateway or upstream failure, so it counts as `4xx`
 * and stays out of every 5xx ratio and alert. The client, gone, receives nothing.
 */
export const CLIENT_CLOSED_STATUS = 499

export interface OutcomeSink {
  record (outcome: RequestOutcome): void
  /** A batch's results, priced once per batch id; absent = batch spend is not recorded. */
  recordBatch? (spend: BatchSpend, tenant: string | null): void
}
