import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { compileConfig } from '../../../src/config/compile.js'
import type { RuntimeConfig } from '../../../src/config/types.js'

const CATALOG = parseYaml(readFileSync(new URL('../../../config/models.yaml', import.meta.url), 'utf8')) as unknown
const NOW = Date.parse('2026-03-01T12:00:00Z')

function compile (yaml: string, envOverrides: { upstreamUrl?: string } = {}) {
  return compileConfig(parseYaml(yaml) as unknown, CATALOG, { path: 'test.yaml', nowMs: NOW, envOverrides })
}

function compiled (yaml: string, envOverrides: { upstreamUrl?: string } = {}): RuntimeConfig {
  const result = compile(yaml, envOverrides)
  if ('issues' in result) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'))
  return result.config
}

function issuesOf (yaml: string): string[] {
  const result = compile(yaml)
  assert.ok('issues' in result, 'expected issues')
  return result.issues.map((i) => `${i.path}: ${i.message}`)
}

test('an empty file gives every default, in one place', () => {
  for (const text of ['', '{}', '# only a comment\n']) {
    const config = compiled(text)
    assert.deepEqual(config.upstream, { url: 'https://api.anthropic.com', connectTimeoutMs: 10_000, headersTimeoutMs: 600_000, bodyTimeoutMs: 300_000, fallbackRetryBudgetMs: 10_000,
      circuitBreaker: { enabled: true, minFailures: 5, failureRatio: 0.5, windowMs: 10_000, coolDownMs: 15_000 },
      retryBudget: { ratio: 0.2, minPerWindow: 10, windowMs: 10_000 }
    })
    assert.deepEqual(config.cache, { mode: 'deterministic', ttlSeconds: 600, maxEntryBytes: 1_048_576, memoryMaxBytes: 67_108_864, compressOverBytes: 16_384, operationTimeoutMs: 50, lockWaitMs: 5000, sharedScope: null })
    assert.equal(config.publicUrl, null)
    assert.deepEqual(config.tenants, [])
    assert.deepEqual(config.policy.ruleNames, [])
    assert.deepEqual(config.policy.virtualModels, [])
    assert.deepEqual(config.source, { path: 'test.yaml', loadedAtMs: NOW })
    assert.ok(config.catalog.resolve('claude-haiku-4-5') !== undefined)
  }
})

test('every value of a full file is compiled (units, lower-cased names, trailing slash)', () => {
  const config = compiled(readFileSync(new URL('../../fixtures/policies/full.yaml', import.meta.url), 'utf8'))
  assert.deepEqual(config.upstream, { url: 'http://127.0.0.1:9/base', connectTimeoutMs: 2000, headersTimeoutMs: 90_000, bodyTimeoutMs: 60_000, fallbackRetryBudgetMs: 500,
    circuitBreaker: { enabled: false, minFailures: 3, failureRatio: 0.25, windowMs: 30_000, coolDownMs: 60_000 },
    retryBudget: { ratio: 0.1, minPerWindow: 4, windowMs: 60_000 }
  })
  assert.equal(config.publicUrl, 'https://gateway.example.com')
  assert.deepEqual(config.cache, { mode: 'all', ttlSeconds: 3600, maxEntryBytes: 2 * 1024 * 1024, memoryMaxBytes: 128 * 1024 * 1024, compressOverBytes: 4096, operationTimeoutMs: 20, lockWaitMs: 1000, sharedScope: 'everyone' })
  const noLimits = { requestsPerMinute: null, inputTokensPerMinute: null, outputTokensPerMinute: null, picoUsdPerDay: null, picoUsdPerMonth: null }
  assert.deepEqual(config.auth, { mode: 'gateway_keys', upstreamKey: { kind: 'env', name: 'UPSTREAM_KEY' } })
  const researchKey = {
    id: 'research-bot',
    sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    tenant: 'research',
    createdAtMs: null,
    expiresAtMs: Date.parse('2027-01-01T00:00:00Z'),
    revokedAtMs: null,
    labels: { owner: 'ml-team' },
    limits: { ...noLimits, requestsPerMinute: 10 },
    source: 'policy'
  }
  assert.deepEqual(config.tenants, [
    { name: 'support', credentialSha256: ['5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8'], headers: { 'x-team': 'support' }, auth: 'passthrough', upstreamKey: null, limits: noLimits, budget: { onExceeded: 'reject', downgradeTo: null, downgradeAt: 1, alertAt: 0.8 }, onStoreUnavailable: 'fail_open', keys: [] },
    {
      name: 'research',
      credentialSha256: [],
      headers: {},
      auth: 'gateway_keys',
      upstreamKey: { kind: 'file', path: '/run/secrets/research-key' },
      limits: { requestsPerMinute: 600, inputTokensPerMinute: 2_000_000, outputTokensPerMinute: 400_000, picoUsdPerDay: 200_000_000_000_000n, picoUsdPerMonth: 3_000_500_000_000_000n },
      budget: { onExceeded: 'downgrade', downgradeTo: 'claude-haiku-4-5', downgradeAt: 0.9, alertAt: 0.75 },
      onStoreUnavailable: 'fail_closed',
      keys: [researchKey]
    }
  ])
  assert.deepEqual(config.keysBySha256.get(researchKey.sha256), researchKey)
  assert.deepEqual(config.policy.ruleNames, ['everything', 'auto'])
  assert.deepEqual(config.policy.virtualModels, [{ id: 'claude-auto', displayName: 'Auto', description: 'Cheapest model that fits' }])
})

test('circuit breaker and retry budget settings are checked', () => {
  assert.deepEqual(issuesOf('upstream: { circuit_breaker: { failure_ratio: 1.5, min_failures: 0, cool_down: 0s }, retry_budget: { ratio: -1, min_per_window: 1.5 } }'), [
    'upstream.circuit_breaker.min_failures: must be an integer ≥ 1, got number 0',
    'upstream.circuit_breaker.failure_ratio: must be a number from 0 to 1, got number 1.5',
    'upstream.circuit_breaker.cool_down: must be greater than 0',
    'upstream.retry_budget.ratio: must be a number ≥ 0, got number -1',
    'upstream.retry_budget.min_per_window: must be an integer ≥ 0, got number 1.5'
  ])
  assert.match(issuesOf('upstream: { circuit_breaker: { cooldown: 5s } }')[0] ?? '', /unknown key "cooldown"; did you mean cool_down\?/)
})

test('the environment overrides the upstream url', () => {
  assert.equal(compiled('upstream: { url: "https://a.example" }', { upstreamUrl: 'http://127.0.0.1:1234' }).upstream.url, 'http://127.0.0.1:1234')
})

test('public_url: null is allowed', () => {
  assert.equal(compiled('public_url: null').publicUrl, null)
})

test('the compiled config is deep-frozen, except arrays and RegExps (V8 deoptimises those frozen)', () => {
  const config = compiled('routes: [{ name: a, match: { model: "claude-sonnet-*" }, action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5] } }]')
  const rule = config.policy.rules[0]
  assert.ok(rule !== undefined)
  for (const part of [config, config.upstream, config.cache, config.policy, rule, rule.match, rule.target]) {
    assert.ok(Object.isFrozen(part))
  }
  assert.throws(() => { (config.upstream as { url: string }).url = 'x' }, TypeError)
  // for…of over a frozen array allocates per step; a frozen RegExp loses the fast test path.
  for (const part of [config.policy.rules, rule.fallbacks, rule.match.model?.regex, config.catalog.models]) {
    assert.ok(part !== undefined && !Object.isFrozen(part))
  }
})

// Each invalid file gives exactly its issue, with its path.
const INVALID: Array<{ name: string; yaml: string; issues: string[] }> = [
  { name: 'not a mapping', yaml: '[1, 2]', issues: ['(top level): must be a mapping, got a list'] },
  { name: 'renamed top-level key', yaml: 'rules: []', issues: ['rules: unknown key "rules"; did you mean routes?'] },
  { name: 'typo in a top-level key', yaml: 'upstrem: {}', issues: ['upstrem: unknown key "upstrem"; did you mean upstream?'] },
  { name: 'upstream url not a URL', yaml: 'upstream: { url: "not a url" }', issues: ['upstream.url: "not a url" is not an absolute URL'] },
  { name: 'upstream url not http', yaml: 'upstream: { url: "ftp://x" }', issues: ['upstream.url: "ftp://x" must be an http(s) URL'] },
  { name: 'duration without unit', yaml: 'upstream: { connect_timeout: 10 }', issues: ['upstream.connect_timeout: must be a duration such as 500ms, 10s, 10m or 1h, got number 10'] },
  { name: 'zero timeout', yaml: 'upstream: { headers_timeout: 0s }', issues: ['upstream.headers_timeout: must be greater than 0'] },
  { name: 'upstream key renamed', yaml: 'upstream: { base_url: "https://x" }', issues: ['upstream.base_url: unknown key "base_url"; did you mean url?'] },
  { name: 'public_url not a URL', yaml: 'public_url: gateway', issues: ['public_url: "gateway" is not an absolute URL'] },
  { name: 'cache mode', yaml: 'cache: { mode: sometimes }', issues: ['cache.mode: must be one of deterministic, all, off, got the string "sometimes"'] },
  { name: 'cache size with a space', yaml: 'cache: { max_entry_bytes: "1 MiB" }', issues: ['cache.max_entry_bytes: must be a size such as 16KiB, 1MiB or a number of bytes, got the string "1 MiB"'] },
  { name: 'cache ttl not whole seconds', yaml: 'cache: { ttl: 1500ms }', issues: ['cache.ttl: must be whole seconds'] },
  { name: 'cache ttl_seconds', yaml: 'cache: { ttl_seconds: 60 }', issues: ['cache.ttl_seconds: unknown key "ttl_seconds"; did you mean ttl?'] },
  { name: 'tenants not a list', yaml: 'tenants: { name: a }', issues: ['tenants: must be a list, got a mapping'] },
  { name: 'tenant without name', yaml: 'tenants: [{ headers: { x-team: a } }]', issues: ['tenants[0].name: required'] },
  { name: 'tenant with a raw key', yaml: 'tenants: [{ name: a, api_key: sk-ant-123 }]', issues: ['tenants[0].api_key: unknown key "api_key"; did you mean api_key_sha256 (the sha256 hex of the key, never the key itself)?', 'tenants[0]: matches no request: give api_key_sha256 or headers'] },
  { name: 'tenant with a bad digest', yaml: 'tenants: [{ name: a, api_key_sha256: [abc] }]', issues: ['tenants[0].api_key_sha256[0]: "abc" must be a sha256 hex digest (64 hex characters) of the key, e.g. `printf %s "$KEY" | sha256sum`', 'tenants[0]: matches no request: give api_key_sha256 or headers'] },
  { name: 'keys on a passthrough tenant', yaml: 'tenants: [{ name: a, headers: { x: "1" }, keys: [{ id: k, sha256: "' + 'a'.repeat(64) + '" }] }]', issues: ['tenants[0].keys: gateway keys need `auth: gateway_keys` on the tenant'] },
  { name: 'a raw key where its hash belongs', yaml: 'tenants: [{ name: a, auth: gateway_keys, keys: [{ id: k, sha256: tlk-secret }] }]', issues: ['tenants[0].keys[0].sha256: "tlk-secret" must be the sha256 hex digest of the key (`thriftline keys hash`), never the key itself'] },
  { name: 'a bad expiry', yaml: 'tenants: [{ name: a, auth: gateway_keys, keys: [{ id: k, sha256: "' + 'a'.repeat(64) + '", expires_at: tomorrow }] }]', issues: ['tenants[0].keys[0].expires_at: must be an ISO 8601 date-time such as 2027-01-01T00:00:00Z, got the string "tomorrow"'] },
  { name: 'a downgrade without a model', yaml: 'tenants: [{ name: a, auth: gateway_keys, limits: { usd_per_day: 5 }, budget: { on_exceeded: downgrade } }]', issues: ['tenants[0].budget.downgrade_to: required when on_exceeded is downgrade'] },
  { name: 'a downgrade to an unknown model', yaml: 'tenants: [{ name: a, auth: gateway_keys, limits: { usd_per_day: 5 }, budget: { on_exceeded: downgrade, downgrade_to: gpt-4 } }]', issues: ['tenants[0].budget.downgrade_to: unknown model "gpt-4" (not in the model catalog)'] },
  { name: 'a budget without a USD limit', yaml: 'tenants: [{ name: a, auth: gateway_keys, budget: { alert_at: 0.5 } }]', issues: ['tenants[0].budget: has no effect: set limits.usd_per_day or limits.usd_per_month'] },
  { name: 'bad limits', yaml: 'tenants: [{ name: a, auth: gateway_keys, limits: { requests_per_minute: 0, usd_per_day: -1, usd_per_month: 0.0000000000001 } }]', issues: ['tenants[0].limits.requests_per_minute: must be an integer ≥ 1, got number 0', 'tenants[0].limits.usd_per_day: must be a positive USD amount with at most 12 decimals, got number -1', 'tenants[0].limits.usd_per_month: must be a positive USD amount with at most 12 decimals, got number 1e-13'] },
  { name: 'an upstream key given both ways', yaml: 'auth: { upstream_key: { env: A, file: /b } }', issues: ['auth.upstream_key: give `env` or `file`, not both'] },
  { name: 'duplicate tenant', yaml: 'tenants: [{ name: a, headers: { x: "1" } }, { name: a, headers: { x: "2" } }]', issues: ['tenants[1].name: duplicate tenant "a"'] },
  { name: 'a rule issue has its full path', yaml: 'routes: [{ name: a }, { name: b, match: { system_matches: "(" }, action: { model: claude-haiku-4-5 } }]', issues: ['routes[0].action: required (model, split, fallback or cache)', 'routes[1].match.system_matches: invalid regular expression: /(/: Unterminated group'] }
]

for (const row of INVALID) {
  test(`config issue: ${row.name}`, () => assert.deepEqual(issuesOf(row.yaml), row.issues))
}

test('all issues of a file are reported together', () => {
  const issues = issuesOf(readFileSync(new URL('../../fixtures/policies/invalid-mixed.yaml', import.meta.url), 'utf8'))
  assert.deepEqual(issues.map((issue) => issue.split(': ')[0]), [
    'upstream.url',
    'upstream.connect_timeout',
    'cache.mode',
    'routes[0].match.system_matches',
    'routes[0].action.weight',
    'routes[1].action.split.claude-haiku-4-5'
  ])
})

test('a retired model as a target compiles: the rule is skipped at request time instead', () => {
  const config = compiled('routes: [{ name: old, action: { model: claude-3-haiku-20240307 } }]')
  assert.deepEqual(config.policy.ruleNames, ['old'])
})
