// Pure. The policy's `auth` and `tenants` sections → AuthConfig and TenantConfig[] (auth modes,
// gateway keys as hashes, limits, budgets), every issue with its path.

import type { ModelCatalog } from '../catalog/types.js'
import type { BudgetPolicy } from '../tenancy/budget.js'
import type { KeyRecord } from '../tenancy/keys.js'
import type { Limits } from '../tenancy/limits.js'
import { NO_LIMITS } from '../tenancy/limits.js'
import { usdToPico } from '../tenancy/usd.js'
import type { Checker } from './checker.js'
import { describeValue, pathOf } from './checker.js'
import { DEFAULTS } from './defaults.js'
import { NAME_PATTERN, SHA256_PATTERN } from './schema.js'
import type { AuthConfig, AuthMode, SecretRef, TenantConfig } from './types.js'

const NAME = new RegExp(NAME_PATTERN)
const SHA256 = new RegExp(SHA256_PATTERN)
const AUTH_MODES = ['passthrough', 'gateway_keys'] as const

export function compileAuth (raw: unknown, check: Checker): AuthConfig {
  const fields = check.object(raw, 'auth', 'auth') ?? {}
  return {
    mode: check.oneOf(fields.mode, 'auth.mode', AUTH_MODES) ?? DEFAULTS.auth.mode,
    upstreamKey: compileSecretRef(fields.upstream_key, 'auth.upstream_key', check) ?? { kind: 'env', name: DEFAULTS.auth.upstream_key_env }
  }
}

export function compileTenants (raw: unknown, check: Checker, catalog: ModelCatalog | null): TenantConfig[] {
  const tenants: TenantConfig[] = []
  const list = check.array(raw, 'tenants') ?? []
  const keyIds = new Set<string>()
  const keyHashes = new Set<string>()
  list.forEach((entry, i) => {
    const path = pathOf('tenants', i)
    const fields = check.object(entry, path, 'tenant')
    if (fields === null) return
    if (fields.name === undefined) check.add(pathOf(path, 'name'), 'required')
    const name = check.string(fields.name, pathOf(path, 'name'), { pattern: NAME, patternHint: 'must be 1–64 letters, digits, _ . : or - (it becomes a metric label)' })
    if (name !== null && tenants.some((tenant) => tenant.name === name)) check.add(pathOf(path, 'name'), `duplicate tenant "${name}"`)
    const credentialSha256: string[] = []
    const digests = check.array(fields.api_key_sha256, pathOf(path, 'api_key_sha256')) ?? []
    digests.forEach((digest, j) => {
      const hex = check.string(digest, pathOf(pathOf(path, 'api_key_sha256'), j), { pattern: SHA256, patternHint: 'must be a sha256 hex digest (64 hex characters) of the key, e.g. `printf %s "$KEY" | sha256sum`' })
      if (hex !== null) credentialSha256.push(hex.toLowerCase())
    })
    const headers: Record<string, string> = {}
    for (const [header, value] of Object.entries(check.map(fields.headers, pathOf(path, 'headers')) ?? {})) {
      const text = check.string(value, pathOf(pathOf(path, 'headers'), header))
      if (text !== null) headers[header.toLowerCase()] = text
    }
    const auth: AuthMode = check.oneOf(fields.auth, pathOf(path, 'auth'), AUTH_MODES) ?? DEFAULTS.auth.mode
    const keys = compileKeys(fields.keys, pathOf(path, 'keys'), name ?? '', check, keyIds, keyHashes)
    if (keys.length > 0 && auth !== 'gateway_keys') check.add(pathOf(path, 'keys'), 'gateway keys need `auth: gateway_keys` on the tenant')
    // A gateway-keys tenant may get all its keys from the admin API.
    if (auth === 'passthrough' && credentialSha256.length === 0 && Object.keys(headers).length === 0) check.add(path, 'matches no request: give api_key_sha256 or headers')
    const budget = compileBudget(fields.budget, pathOf(path, 'budget'), check, catalog)
    const limits = compileLimits(fields.limits, pathOf(path, 'limits'), check)
    if (fields.budget !== undefined && limits.picoUsdPerDay === null && limits.picoUsdPerMonth === null && !keys.some((key) => key.limits.picoUsdPerDay !== null || key.limits.picoUsdPerMonth !== null)) {
      check.add(pathOf(path, 'budget'), 'has no effect: set limits.usd_per_day or limits.usd_per_month')
    }
    const onStoreUnavailable = check.oneOf(fields.on_store_unavailable, pathOf(path, 'on_store_unavailable'), ['fail_open', 'fail_closed'] as const) ?? DEFAULTS.tenant.on_store_unavailable
    if (name !== null) {
      tenants.push({
        name,
        credentialSha256,
        headers,
        auth,
        upstreamKey: compileSecretRef(fields.upstream_key, pathOf(path, 'upstream_key'), check),
        limits,
        budget,
        onStoreUnavailable,
        keys
      })
    }
  })
  return tenants
}

function compileKeys (raw: unknown, path: string, tenant: string, check: Checker, ids: Set<string>, hashes: Set<string>): KeyRecord[] {
  const keys: KeyRecord[] = []
  const list = check.array(raw, path) ?? []
  list.forEach((entry, i) => {
    const keyPath = pathOf(path, i)
    const fields = check.object(entry, keyPath, 'gateway_key')
    if (fields === null) return
    for (const required of ['id', 'sha256']) if (fields[required] === undefined) check.add(pathOf(keyPath, required), 'required')
    const id = check.string(fields.id, pathOf(keyPath, 'id'), { pattern: NAME, patternHint: 'must be 1–64 letters, digits, _ . : or -' })
    const sha = check.string(fields.sha256, pathOf(keyPath, 'sha256'), { pattern: SHA256, patternHint: 'must be the sha256 hex digest of the key (`thriftline keys hash`), never the key itself' })
    if (id !== null && ids.has(id)) check.add(pathOf(keyPath, 'id'), `duplicate key id "${id}"`)
    if (sha !== null && hashes.has(sha.toLowerCase())) check.add(pathOf(keyPath, 'sha256'), 'the same key is listed twice')
    let expiresAtMs: number | null = null
    const expires = check.string(fields.expires_at, pathOf(keyPath, 'expires_at'))
    if (expires !== null) {
      expiresAtMs = Date.parse(expires)
      if (!/^\d{4}-\d{2}-\d{2}/.test(expires) || Number.isNaN(expiresAtMs)) {
        check.add(pathOf(keyPath, 'expires_at'), `must be an ISO 8601 date-time such as 2027-01-01T00:00:00Z, got ${describeValue(fields.expires_at)}`)
        expiresAtMs = null
      }
    }
    const labels: Record<string, string> = {}
    for (const [label, value] of Object.entries(check.map(fields.labels, pathOf(keyPath, 'labels')) ?? {})) {
      const text = check.string(value, pathOf(pathOf(keyPath, 'labels'), label))
      if (text !== null) labels[label] = text
    }
    const limits = compileLimits(fields.limits, pathOf(keyPath, 'limits'), check)
    if (id === null || sha === null) return
    ids.add(id)
    hashes.add(sha.toLowerCase())
    keys.push({ id, sha256: sha.toLowerCase(), tenant, createdAtMs: null, expiresAtMs, revokedAtMs: null, labels, limits, source: 'policy' })
  })
  return keys
}

export function compileLimits (raw: unknown, path: string, check: Checker): Limits {
  const fields = check.object(raw, path, 'limits')
  if (fields === null) return NO_LIMITS
  return {
    requestsPerMinute: check.integer(fields.requests_per_minute, pathOf(path, 'requests_per_minute'), 1),
    inputTokensPerMinute: check.integer(fields.input_tokens_per_minute, pathOf(path, 'input_tokens_per_minute'), 1),
    outputTokensPerMinute: check.integer(fields.output_tokens_per_minute, pathOf(path, 'output_tokens_per_minute'), 1),
    picoUsdPerDay: usd(fields.usd_per_day, pathOf(path, 'usd_per_day'), check),
    picoUsdPerMonth: usd(fields.usd_per_month, pathOf(path, 'usd_per_month'), check)
  }
}

function usd (value: unknown, path: string, check: Checker): bigint | null {
  if (value === undefined) return null
  const pico = typeof value === 'number' || typeof value === 'string' ? usdToPico(value) : null
  if (pico === null || pico === 0n) {
    check.add(path, `must be a positive USD amount with at most 12 decimals, got ${describeValue(value)}`)
    return null
  }
  return pico
}

function compileBudget (raw: unknown, path: string, check: Checker, catalog: ModelCatalog | null): BudgetPolicy {
  const fields = check.object(raw, path, 'budget') ?? {}
  const onExceeded = check.oneOf(fields.on_exceeded, pathOf(path, 'on_exceeded'), ['reject', 'downgrade'] as const) ?? DEFAULTS.budget.on_exceeded
  const downgradeTo = check.string(fields.downgrade_to, pathOf(path, 'downgrade_to'))
  if (onExceeded === 'downgrade' && downgradeTo === null && fields.downgrade_to === undefined) check.add(pathOf(path, 'downgrade_to'), 'required when on_exceeded is downgrade')
  if (downgradeTo !== null && catalog !== null && catalog.resolve(downgradeTo) === undefined) check.add(pathOf(path, 'downgrade_to'), `unknown model "${downgradeTo}" (not in the model catalog)`)
  return {
    onExceeded,
    downgradeTo,
    downgradeAt: fraction(fields.downgrade_at, pathOf(path, 'downgrade_at'), check) ?? DEFAULTS.budget.downgrade_at,
    alertAt: fraction(fields.alert_at, pathOf(path, 'alert_at'), check) ?? DEFAULTS.budget.alert_at
  }
}

function fraction (value: unknown, path: string, check: Checker): number | null {
  if (value === undefined) return null
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    check.add(path, `must be a fraction in (0, 1], e.g. 0.8, got ${describeValue(value)}`)
    return null
  }
  return value
}

function compileSecretRef (raw: unknown, path: string, check: Checker): SecretRef | null {
  const fields = check.object(raw, path, 'secret_ref')
  if (fields === null) return null
  const env = check.string(fields.env, pathOf(path, 'env'), { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternHint: 'must be an environment variable name' })
  const file = check.string(fields.file, pathOf(path, 'file'))
  if ((env === null) === (file === null)) {
    if (fields.env === undefined && fields.file === undefined) check.add(path, 'give `env` or `file`')
    else if (env !== null && file !== null) check.add(path, 'give `env` or `file`, not both')
    return null
  }
  return env !== null ? { kind: 'env', name: env } : { kind: 'file', path: file as string }
}

/** Every policy-file key by its hash. */
export function keysBySha256 (tenants: readonly TenantConfig[]): Map<string, KeyRecord> {
  const map = new Map<string, KeyRecord>()
  for (const tenant of tenants) for (const key of tenant.keys) map.set(key.sha256, key)
  return map
}
