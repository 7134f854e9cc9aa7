import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { periodSpendView } from '../../../src/tenancy/views.js'
import { createSecretReader, replaceCredential } from '../../../src/tenancy/upstream-credential.js'
import type { HeaderMap } from '../../../src/upstream/headers.js'

const USD = 1_000_000_000_000n

const SPEND: Array<[bigint, bigint | null, { spent_usd: string; limit_usd: string | null; remaining_usd: string | null; used_ratio: number | null }]> = [
  [12n * USD + 400_000_000_000n, 200n * USD, { spent_usd: '12.4', limit_usd: '200', remaining_usd: '187.6', used_ratio: 0.062 }],
  [250n * USD, 200n * USD, { spent_usd: '250', limit_usd: '200', remaining_usd: '0', used_ratio: 1.25 }],
  [5n, null, { spent_usd: '0.000000000005', limit_usd: null, remaining_usd: null, used_ratio: null }]
]
for (const [spent, limit, expected] of SPEND) {
  test(`periodSpendView(${spent}, ${String(limit)})`, () => assert.deepEqual(periodSpendView('2026-11-20', spent, limit), { period: '2026-11-20', ...expected }))
}

const STYLES: Array<[string, HeaderMap, HeaderMap]> = [
  ['x-api-key stays x-api-key', { 'x-api-key': 'tlk-a' }, { 'x-api-key': 'sk-up' }],
  ['Bearer stays Bearer', { authorization: 'Bearer tlk-a' }, { authorization: 'Bearer sk-up' }],
  ['both sent: x-api-key wins (as upstream reads it), the other is dropped', { 'x-api-key': 'tlk-a', authorization: 'Bearer tlk-a' }, { 'x-api-key': 'sk-up' }]
]
for (const [name, given, expected] of STYLES) {
  test(`replaceCredential: ${name}`, () => {
    const headers = { ...given, 'anthropic-version': '2023-06-01' }
    replaceCredential(headers, 'sk-up')
    assert.deepEqual(headers, { ...expected, 'anthropic-version': '2023-06-01' })
  })
}

test('upstream keys come from the environment or a secrets file (trimmed, re-read after a minute); missing or empty is null', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thriftline-secret-'))
  try {
    const file = join(dir, 'key')
    writeFileSync(file, 'sk-from-file\n')
    let now = 0
    const reader = createSecretReader({ A: ' sk-env ', EMPTY: '' }, () => now)
    assert.equal(reader.read({ kind: 'env', name: 'A' }), 'sk-env')
    assert.equal(reader.read({ kind: 'env', name: 'EMPTY' }), null)
    assert.equal(reader.read({ kind: 'env', name: 'MISSING' }), null)
    assert.equal(reader.read({ kind: 'file', path: file }), 'sk-from-file')
    writeFileSync(file, 'sk-rotated')
    assert.equal(reader.read({ kind: 'file', path: file }), 'sk-from-file')
    now = 60_000
    assert.equal(reader.read({ kind: 'file', path: file }), 'sk-rotated')
    assert.equal(reader.read({ kind: 'file', path: join(dir, 'nope') }), null)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
