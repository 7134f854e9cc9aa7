// The compiled, frozen configuration every request reads one snapshot of. Built from the policy
// file (GATEWAY_CONFIG) by src/config/compile.ts, swapped whole on reload.

import type { ModelCatalog } from '../catalog/types.js'
import type { CompiledPolicy } from '../policy/types.js'
import type { ConfigIssue } from './issues.js'
import type { BudgetPolicy } from '../tenancy/budget.js'
import type { KeyRecord } from '../tenancy/keys.js'
import type { Limits } from '../tenancy/limits.js'
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

/** passthrough: the client's Anthropic credential goes upstream; gateway_keys: clients hold keys the gateway issued. */
export type AuthMode = 'passthrough' | 'gateway_keys'

/** Where an upstream Anthropic key is read from: an environment variable or a secrets file. */
export type SecretRef = { kind: 'env'; name: string } | { kind: 'file'; path: string }

export type StoreFailureMode = 'fail_open' | 'fail_closed'

export interface TenantConfig {
  /** Bounded label value. */
  name: string
  /** sha256 hex digests of the credentials (API keys / bearer tokens) that belong to it. */
  credentialSha256: readonly string[]
  /** Header name → exact value; any match assigns the tenant. Lower-case names. */
  headers: Readonly<Record<string, string>>
  auth: AuthMode
  /** The upstream key sent for this tenant's gateway-key requests; null = `auth.upstream_key`. */
  upstreamKey: SecretRef | null
  limits: Limits
  budget: BudgetPolicy
  /** What the tenant's limited requests do while the limits store (Redis) cannot be reached. */
  onStoreUnavailable: StoreFailureMode
  /** Gateway keys defined in the policy file (as hashes). */
  keys: readonly KeyRecord[]
}

export interface AuthConfig {
  /** gateway_keys: a request must carry a gateway key or belong to a passthrough tenant. */
  mode: AuthMode
  upstreamKey: SecretRef
}

export interface RuntimeConfig {
  upstream: UpstreamConfig
  /** Public origin the gateway is reached at (batch results_url rewrite); null = derive from request. */
  publicUrl: string | null
  cache: CacheConfig
  tenants: readonly TenantConfig[]
  auth: AuthConfig
  /** Every policy-file gateway key by its sha256. */
  keysBySha256: ReadonlyMap<string, KeyRecord>
  catalog: ModelCatalog
  policy: CompiledPolicy
  /** Where it was loaded from, and when (ms since epoch), for /readyz and logs. */
  source: { path: string | null; loadedAtMs: number }
  /** Valid but worth a look (rule targets retired or retiring soon), as of loading. */
  warnings: readonly ConfigIssue[]
}
