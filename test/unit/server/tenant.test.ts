import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { resolveTenant } from '../../../src/server/tenant.js'
import type { TenantMatch } from '../../../src/server/tenant.js'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const TENANTS: TenantMatch[] = [
  { name: 'support', credentialSha256: [], headers: { 'x-team': 'support' } },
  { name: 'search', credentialSha256: [sha('sk-search')], headers: {} }
]

const CASES: Array<[Record<string, string>, string | null]> = [
  [{ 'x-team': 'support' }, 'support'],
  [{ 'x-api-key': 'sk-search' }, 'search'],
  [{ authorization: 'Bearer sk-search' }, 'search'],
  [{ 'x-api-key': 'sk-other' }, null],
  [{ 'x-team': 'Support' }, null]
]
for (const [headers, expected] of CASES) {
  test(`tenant of ${JSON.stringify(headers)} is ${expected}`, () => assert.equal(resolveTenant(headers, TENANTS), expected))
}

test('no tenants configured → null without hashing', () => assert.equal(resolveTenant({ 'x-api-key': 'k' }, []), null))
