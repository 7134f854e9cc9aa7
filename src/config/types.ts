// The compiled, frozen configuration every request reads one snapshot of. Built from the policy
// file (GATEWAY_CONFIG) by src/config/compile.ts, swapped whole on reload.

import type { ModelCatalog } from '../catalog/types.js'
import type { CompiledPolicy } from '../policy/types.js'
import type { ConfigIssue } from './issues.js'
import type { BreakerSettings } from '../upstream/circuit-breaker.js'
import type { RetryBudgetSettings } from '../upstream/retry-budget.js'

export interface UpstreamConfig {
  /** Origin plus optional base path, e.g. https://api.anthropic.com */
  url: string
  connectTimeoutMs: number
  /** Time allowed until response headers arrive (non-streaming generations can take minutes). */
  headersTimeoutMs: number
  /** Longest silence allowed between two body chunks. */
  bodyTimeoutMs: number
  /** Total time budget spent waiting on retry-after before trying the next fallback model. */
  fallbackRetryBudgetMs: number
  /** Per model: stop calling a model that keeps failing, probe it after a cool-down. */
  circuitBreaker: BreakerSettings
  /** Fallback attempts as a share of first attempts, so fallbacks cannot multiply a storm. */
  retryBudget: RetryBudgetSettings
}

export type CacheMode = 'deterministic' | 'all' | 'off'

export interface CacheConfig {
  mode: CacheMode
  ttlSeconds: number
  /** Entries whose stored form is larger than this are not stored. */
  maxEntryBytes: number
  /** Byte bound of the in-memory LRU (used when REDIS_URL is unset). */
  memoryMaxBytes: number
  /** Entries larger than this are gzip-compressed before storing. */
  compressOverBytes: number
  /** Per-operation timeout for the store; past it the request goes on uncached. */
  operationTimeoutMs: number
  /** How long a miss waits for an identical in-flight miss (in process or another instance). */
  lockWaitMs: number
  /** When set, every tenant shares this scope instead of one scope per credential. */
  sharedScope: string | null
}

export interface TenantConfig {
  /** Bounded label value. */
  name: string
  /** sha256 hex digests of the credentials (API keys / bearer tokens) that belong to it. */
  credentialSha256: readonly string[]
  /** Header name → exact value; any match assigns the tenant. Lower-case names. */
  headers: Readonly<Record<string, string>>
}

export interface RuntimeConfig {
  upstream: UpstreamConfig
  /** Public origin the gateway is reached at (batch results_url rewrite); null = derive from request. */
  publicUrl: string | null
  cache: CacheConfig
  tenants: readonly TenantConfig[]
  catalog: ModelCatalog
  policy: CompiledPolicy
  /** Where it was loaded from, and when (ms since epoch), for /readyz and logs. */
  source: { path: string | null; loadedAtMs: number }
  /** Valid but worth a look (rule targets retired or retiring soon), as of loading. */
  warnings: readonly ConfigIssue[]
}
