// Pure. Parsed policy file (+ parsed model catalog) → the frozen RuntimeConfig every request reads,
// or every issue found, each with its path. Defaults come from ./defaults.ts; accepted keys from
// ./schema.ts. No I/O, no clock: `nowMs` and the environment overrides are passed in.

import { compileCatalog } from '../catalog/compile.js'
import type { ModelCatalog } from '../catalog/types.js'
import { compilePolicy } from '../policy/compile.js'
import { decide } from '../policy/decide.js'
import { lifecycleWarnings } from '../policy/lifecycle-warnings.js'
import { toRoutingInput } from '../policy/input.js'
import type { CompiledPolicy } from '../policy/types.js'
import { isRecord } from '../types/anthropic.js'
import { Checker, describeValue, pathOf } from './checker.js'
import { DEFAULTS } from './defaults.js'
import type { ConfigIssue } from './issues.js'
import { compileAuth, compileTenants, keysBySha256 } from './compile-tenants.js'
import type { CacheConfig, RuntimeConfig, UpstreamConfig } from './types.js'
import { parseDurationMs, parseSizeBytes } from './units.js'
import type { BreakerSettings } from '../upstream/circuit-breaker.js'
import type { RetryBudgetSettings } from '../upstream/retry-budget.js'

export interface CompileOptions {
  /** Where the file came from (null for inline configs), recorded in `source`. */
  path: string | null
  /** Load time, recorded in `source.loadedAtMs`; also the date of the sample decision. */
  nowMs: number
  /** Environment variables win over the file (12-factor). */
  envOverrides: { upstreamUrl?: string | undefined }
}

/** Path used for issues about the document as a whole. */
export const ROOT_PATH = '(top level)'

/**
 * @example compileConfig(parseYaml(text), parseYaml(catalogText), { path: 'config/gateway.yaml', nowMs: Date.now(), envOverrides: {} })
 */
export function compileConfig (raw: unknown, catalogRaw: unknown, options: CompileOptions): { config: RuntimeConfig } | { issues: ConfigIssue[] } {
  const check = new Checker()
  if (raw !== null && raw !== undefined && !isRecord(raw)) return { issues: [{ path: ROOT_PATH, message: `must be a mapping, got ${describeValue(raw)}` }] }
  const root = raw === null || raw === undefined ? {} : check.object(raw, '', 'root') ?? {}
  const upstream = compileUpstream(root.upstream, check, options.envOverrides.upstreamUrl)
  const publicUrl = root.public_url === null ? null : check.url(root.public_url, 'public_url')
  const cache = compileCache(root.cache, check)
  const auth = compileAuth(root.auth, check)
  const compiledCatalog = compileModels(catalogRaw, root.models, check)
  const tenants = compileTenants(root.tenants, check, compiledCatalog?.catalog ?? null)
  if (compiledCatalog === null) return { issues: check.issues }
  const catalog = compiledCatalog.catalog
  const policy = compilePolicy(root, catalog, check)
  if (check.issues.length > 0) return { issues: check.issues }
  const sampleProblem = trySampleDecisions(policy, catalog, options.nowMs)
  if (sampleProblem !== null) return { issues: [{ path: 'routes', message: sampleProblem }] }
  const config: RuntimeConfig = {
    upstream,
    publicUrl,
    cache,
    tenants,
    auth,
    keysBySha256: keysBySha256(tenants),
    catalog,
    policy,
    source: { path: options.path, loadedAtMs: options.nowMs },
    warnings: lifecycleWarnings(policy, catalog, new Date(options.nowMs).toISOString().slice(0, 10))
  }
  return { config: deepFreeze(config, new Set<object>([catalog])) }
}

/** Path prefix for issues inside the catalog file itself (not this file's `models:`). */
export const CATALOG_PATH = '(model catalog)'

/**
 * The shipped catalog with this file's `models:` merged over it. The catalog file is compiled
 * alone first so that its own issues are not blamed on this file's `models:` list.
 */
function compileModels (catalogRaw: unknown, overrides: unknown, check: Checker): { catalog: ModelCatalog } | null {
  const alone = compileCatalog(catalogRaw)
  if ('issues' in alone) {
    for (const issue of alone.issues) check.add(`${CATALOG_PATH} ${issue.path}`, issue.message)
    return null
  }
  if (overrides === undefined || overrides === null) return alone
  const merged = compileCatalog(catalogRaw, overrides)
  if ('issues' in merged) {
    for (const issue of merged.issues) check.add(issue.path, issue.message)
    return null
  }
  return merged
}

function compileUpstream (raw: unknown, check: Checker, urlOverride: string | undefined): UpstreamConfig {
  const fields = check.object(raw, 'upstream', 'upstream') ?? {}
  const url = check.url(fields.url, 'upstream.url') ?? DEFAULTS.upstream.url
  const ms = (key: 'connect_timeout' | 'headers_timeout' | 'body_timeout'): number =>
    positiveMs(check, fields[key], pathOf('upstream', key)) ?? defaultMs(DEFAULTS.upstream[key])
  return {
    url: urlOverride ?? url,
    connectTimeoutMs: ms('connect_timeout'),
    headersTimeoutMs: ms('headers_timeout'),
    bodyTimeoutMs: ms('body_timeout'),
    fallbackRetryBudgetMs: check.durationMs(fields.fallback_retry_budget, 'upstream.fallback_retry_budget') ?? defaultMs(DEFAULTS.upstream.fallback_retry_budget),
    circuitBreaker: compileBreaker(fields.circuit_breaker, check),
    retryBudget: compileRetryBudget(fields.retry_budget, check)
  }
}

function compileBreaker (raw: unknown, check: Checker): BreakerSettings {
  const path = 'upstream.circuit_breaker'
  const fields = check.object(raw, path, 'circuit_breaker') ?? {}
  const defaults = DEFAULTS.upstream.circuit_breaker
  return {
    enabled: check.boolean(fields.enabled, pathOf(path, 'enabled')) ?? defaults.enabled,
    minFailures: check.integer(fields.min_failures, pathOf(path, 'min_failures'), 1) ?? defaults.min_failures,
    failureRatio: check.number(fields.failure_ratio, pathOf(path, 'failure_ratio'), 0, 1) ?? defaults.failure_ratio,
    windowMs: positiveMs(check, fields.window, pathOf(path, 'window')) ?? defaultMs(defaults.window),
    coolDownMs: positiveMs(check, fields.cool_down, pathOf(path, 'cool_down')) ?? defaultMs(defaults.cool_down)
  }
}

function compileRetryBudget (raw: unknown, check: Checker): RetryBudgetSettings {
  const path = 'upstream.retry_budget'
  const fields = check.object(raw, path, 'retry_budget') ?? {}
  const defaults = DEFAULTS.upstream.retry_budget
  return {
    ratio: check.number(fields.ratio, pathOf(path, 'ratio'), 0) ?? defaults.ratio,
    minPerWindow: check.integer(fields.min_per_window, pathOf(path, 'min_per_window'), 0) ?? defaults.min_per_window,
    windowMs: positiveMs(check, fields.window, pathOf(path, 'window')) ?? defaultMs(defaults.window)
  }
}

function compileCache (raw: unknown, check: Checker): CacheConfig {
  const fields = check.object(raw, 'cache', 'cache') ?? {}
  const ttlMs = positiveMs(check, fields.ttl, 'cache.ttl') ?? defaultMs(DEFAULTS.cache.ttl)
  if (ttlMs % 1000 !== 0) check.add('cache.ttl', 'must be whole seconds')
  const bytes = (key: 'max_entry_bytes' | 'memory_max_bytes' | 'compress_over_bytes'): number =>
    check.sizeBytes(fields[key], pathOf('cache', key)) ?? (parseSizeBytes(DEFAULTS.cache[key]) ?? 0)
  let sharedScope: string | null = null
  if (fields.shared_scope !== null) sharedScope = check.string(fields.shared_scope, 'cache.shared_scope')
  return {
    mode: check.oneOf(fields.mode, 'cache.mode', ['deterministic', 'all', 'off'] as const) ?? DEFAULTS.cache.mode,
    ttlSeconds: Math.floor(ttlMs / 1000),
    maxEntryBytes: bytes('max_entry_bytes'),
    memoryMaxBytes: bytes('memory_max_bytes'),
    compressOverBytes: bytes('compress_over_bytes'),
    operationTimeoutMs: positiveMs(check, fields.operation_timeout, 'cache.operation_timeout') ?? defaultMs(DEFAULTS.cache.operation_timeout),
    lockWaitMs: check.durationMs(fields.lock_wait, 'cache.lock_wait') ?? defaultMs(DEFAULTS.cache.lock_wait),
    sharedScope
  }
}

function positiveMs (check: Checker, value: unknown, path: string): number | null {
  const ms = check.durationMs(value, path)
  if (ms === 0) {
    check.add(path, 'must be greater than 0')
    return null
  }
  return ms
}

function defaultMs (duration: string): number {
  return parseDurationMs(duration) ?? 0
}

/**
 * Runs a few sample requests through `decide`, the way Envoy test-runs a compiled CEL program: a
 * plain Sonnet request and one per virtual model. Returns the problem, or null.
 */
function trySampleDecisions (policy: CompiledPolicy, catalog: ModelCatalog, nowMs: number): string | null {
  const today = new Date(nowMs).toISOString().slice(0, 10)
  const models = ['claude-sonnet-4-5', ...policy.virtualModels.map((model) => model.id)]
  try {
    for (const model of models) {
      const body = { model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] }
      decide(toRoutingInput(body, { 'x-sample': '1' }), policy, catalog, 0.5, today, { trace: true })
    }
    return null
  } catch (err) {
    return `a sample request failed to evaluate: ${err instanceof Error ? err.message : String(err)}`
  }
}

/**
 * Freezes plain objects all the way down; arrays and RegExps are walked but left unfrozen (their
 * types are readonly). V8 deoptimises both when frozen: `for…of` over a frozen array allocates an
 * iterator per step, and a frozen RegExp loses the fast `test` path (3× slower, a match array per
 * call). Both sit on the per-request path. `skip` stays as it is.
 */
function deepFreeze<T> (value: T, skip: Set<object>): T {
  if (typeof value !== 'object' || value === null || value instanceof RegExp || skip.has(value) || Object.isFrozen(value)) return value
  skip.add(value)
  for (const child of Object.values(value)) deepFreeze(child, skip)
  return Array.isArray(value) ? value : Object.freeze(value)
}
