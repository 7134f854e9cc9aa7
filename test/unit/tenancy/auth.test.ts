import { test } from 'node:test'
import assert from 'node:assert/strict'
import { authenticate } from '../../../src/tenancy/authenticate.js'
import type { AuthInput } from '../../../src/tenancy/authenticate.js'
import { GATEWAY_KEY_PREFIX, keyStatus, newKey } from '../../../src/tenancy/keys.js'
import type { KeyRecord } from '../../../src/tenancy/keys.js'
import { NO_LIMITS } from '../../../src/tenancy/limits.js'
import { DEFAULT_BUDGET } from '../../../src/tenancy/budget.js'
import type { TenantConfig } from '../../../src/config/types.js'
import { sha256Hex } from '../../../src/credential-digest.js'
import { decodeKey, encodeKey } from '../../../src/tenancy/key-store.js'

const tenant = (name: string, auth: TenantConfig['auth']): TenantConfig => ({ name, credentialSha256: [], headers: {}, auth, upstreamKey: null, limits: NO_LIMITS, budget: DEFAULT_BUDGET, onStoreUnavailable: 'fail_open', keys: [] })
const TENANTS = [tenant('open', 'passthrough'), tenant('keyed', 'gateway_keys')]
const NOW = Date.parse('2026-11-20T12:00:00Z')
const key = (patch: Partial<KeyRecord> = {}): KeyRecord => ({ id: 'k1', sha256: 'x', tenant: 'keyed', createdAtMs: null, expiresAtMs: null, revokedAtMs: null, labels: {}, limits: NO_LIMITS, source: 'admin', ...patch })
const input = (patch: Partial<AuthInput>): AuthInput => ({ credential: 'sk-ant-x', key: null, matchedTenant: null, mode: 'passthrough', tenants: TENANTS, nowMs: NOW, ...patch })

const CASES: Array<[string, AuthInput, string]> = [
  ['a valid gateway key', input({ credential: 'tlk-a', key: key() }), 'ok keyed replace'],
  ['a key that expired a moment ago', input({ key: key({ expiresAtMs: NOW }) }), 'expired_key'],
  ['a key that expires later', input({ key: key({ expiresAtMs: NOW + 1 }) }), 'ok keyed replace'],
  ['a revoked key', input({ key: key({ revokedAtMs: NOW - 1 }) }), 'revoked_key'],
  ['a key revoked later (rotation grace)', input({ key: key({ revokedAtMs: NOW + 60_000 }) }), 'ok keyed replace'],
  ['a key of a tenant no longer in the policy', input({ key: key({ tenant: 'gone' }) }), 'tenant_not_configured'],
  ['a key of a passthrough tenant', input({ key: key({ tenant: 'open' }) }), 'tenant_not_configured'],
  ['an unknown tlk- credential', input({ credential: `${GATEWAY_KEY_PREFIX}nope` }), 'unknown_key'],
  ['passthrough mode, no tenant: forwarded as it is', input({}), 'ok none keep'],
  ['passthrough tenant by header', input({ matchedTenant: TENANTS[0]! }), 'ok open keep'],
  ['a gateway-keys tenant matched by header without a key', input({ matchedTenant: TENANTS[1]! }), 'gateway_key_required'],
  ['gateway_keys mode, unknown credential', input({ mode: 'gateway_keys' }), 'gateway_key_required'],
  ['gateway_keys mode, no credential', input({ mode: 'gateway_keys', credential: null }), 'missing_credential'],
  ['gateway_keys mode, passthrough tenant', input({ mode: 'gateway_keys', matchedTenant: TENANTS[0]! }), 'ok open keep']
]
for (const [name, given, expected] of CASES) {
  test(`authenticate: ${name} → ${expected}`, () => {
    const outcome = authenticate(given)
    const summary = outcome.ok ? `ok ${outcome.tenant?.name ?? 'none'} ${outcome.replaceCredential ? 'replace' : 'keep'}` : outcome.reason
    assert.equal(summary, expected)
  })
}

test('new keys: prefixed, random, hashed; only the hash identifies them', () => {
  const a = newKey()
  const b = newKey()
  assert.ok(a.secret.startsWith(GATEWAY_KEY_PREFIX))
  assert.notEqual(a.secret, b.secret)
  assert.equal(a.sha256, sha256Hex(a.secret))
  assert.match(a.id, /^key_[0-9a-f]{12}$/)
  assert.equal(keyStatus(key(), NOW), 'active')
})

test('stored key records round-trip (USD limits exact), and a damaged record is no key', () => {
  const record = key({ labels: { team: 'ml' }, limits: { ...NO_LIMITS, requestsPerMinute: 5, picoUsdPerDay: 1_500_000_000n }, expiresAtMs: NOW })
  assert.deepEqual(decodeKey(encodeKey(record)), record)
  assert.equal(decodeKey('{"id":1}'), null)
  assert.equal(decodeKey('not json'), null)
  assert.ok(!encodeKey(record).includes('tlk-'))
})
