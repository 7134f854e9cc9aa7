import { test } from 'node:test'
import assert from 'node:assert/strict'
import { KEY_PREFIX, betaSet, cacheKey, canonicalForm, scopeOf } from '../../../src/cache/key.js'
import type { KeyHeaders } from '../../../src/cache/key.js'
import type { MessagesRequest } from '../../../src/types/anthropic.js'

const BASE: MessagesRequest = { model: 'claude-haiku-4-5', max_tokens: 64, temperature: 0, messages: [{ role: 'user', content: 'Where is my order?' }] }
const HEADERS: KeyHeaders = { anthropicVersion: '2023-06-01', anthropicBeta: undefined }
const SCOPE = scopeOf('sk-key-a', null)
const keyOf = (body: MessagesRequest, headers: Partial<KeyHeaders> = {}, scope = SCOPE): string => cacheKey(body, { ...HEADERS, ...headers }, scope)

test('a key is the prefix and a sha256 in hex', () => {
  assert.match(keyOf(BASE), new RegExp(`^${KEY_PREFIX}[0-9a-f]{64}$`))
})

const SAME: Array<{ name: string; body?: MessagesRequest; headers?: Partial<KeyHeaders> }> = [
  { name: 'keys in another order', body: { messages: BASE.messages, temperature: 0, max_tokens: 64, model: 'claude-haiku-4-5' } },
  { name: 'stream: true (either form serves either)', body: { ...BASE, stream: true } },
  { name: 'metadata.user_id', body: { ...BASE, metadata: { user_id: 'u-1' } } },
  { name: 'service_tier', body: { ...BASE, service_tier: 'auto' } },
  { name: 'the beta set in another order, with spaces and duplicates', headers: { anthropicBeta: 'b-2, a-1,b-2' } }
]

const DIFFERENT: Array<{ name: string; body?: MessagesRequest; headers?: Partial<KeyHeaders>; scope?: string }> = [
  { name: 'another model', body: { ...BASE, model: 'claude-sonnet-4-6' } },
  { name: 'another max_tokens', body: { ...BASE, max_tokens: 65 } },
  { name: 'another message', body: { ...BASE, messages: [{ role: 'user', content: 'Where is my parcel?' }] } },
  { name: 'a system prompt', body: { ...BASE, system: 'Be brief.' } },
  { name: 'tools', body: { ...BASE, tools: [{ type: 'custom', name: 'lookup', input_schema: { type: 'object' } }] } },
  { name: 'another API version', headers: { anthropicVersion: '2026-10-21' } },
  { name: 'another API key', scope: scopeOf('sk-key-b', null) },
  { name: 'a shared scope', scope: scopeOf('sk-key-a', 'support') }
]

test('the key ignores what cannot change the answer', () => {
  const reference = keyOf(BASE, { anthropicBeta: 'a-1,b-2' })
  for (const row of SAME) {
    assert.equal(keyOf(row.body ?? BASE, { anthropicBeta: 'a-1,b-2', ...row.headers }), reference, row.name)
  }
})

test('the key changes with everything that can change the answer', () => {
  const reference = keyOf(BASE)
  for (const row of DIFFERENT) assert.notEqual(keyOf(row.body ?? BASE, row.headers, row.scope), reference, row.name)
})

test('a prompt-cache marker does not change the key (it changes billing, not the answer)', () => {
  const blocks = (marker: Record<string, unknown>): MessagesRequest => ({ ...BASE, messages: [{ role: 'user', content: [{ type: 'text', text: 'Where is my order?', ...marker }] }] })
  assert.equal(keyOf(blocks({ cache_control: { type: 'ephemeral', ttl: '1h' } })), keyOf(blocks({})))
})

test('a beta header is part of the key', () => {
  assert.notEqual(keyOf(BASE, { anthropicBeta: 'context-1m-2025-08-07' }), keyOf(BASE))
})

test('no delimiter trick makes two scopes collide', () => {
  // Scope "a" with version "b|c" versus scope "a|b" with version "c".
  assert.notEqual(cacheKey(BASE, { anthropicVersion: 'b|c', anthropicBeta: undefined }, 'a'), cacheKey(BASE, { anthropicVersion: 'c', anthropicBeta: undefined }, 'a|b'))
})

test('the scope never contains the credential', () => {
  assert.ok(!scopeOf('sk-ant-secret', null).includes('sk-ant-secret'))
  assert.equal(scopeOf('sk-ant-secret', null), scopeOf('sk-ant-secret', null))
  assert.equal(scopeOf(null, 'team'), 'shared:team')
})

const CANONICAL: Array<{ value: unknown; expected: string }> = [
  { value: { b: 1, a: [{ d: 2, c: 3 }] }, expected: '{s1:a[{s1:cn3;s1:dn2;}]s1:bn1;}' },
  { value: { a: undefined, b: null, c: true, d: false }, expected: '{s1:bzs1:cts1:df}' },
  { value: { text: 'x', cache_control: { type: 'ephemeral' } }, expected: '{s4:texts1:x}' },
  { value: 'é"', expected: 's2:é"' },
  { value: '\ud800', expected: 'j"\\ud800"' }
]
for (const row of CANONICAL) {
  test(`canonicalForm ${JSON.stringify(row.value)}`, () => { assert.equal(canonicalForm(row.value), row.expected) })
}

test('canonicalForm keeps apart what a delimiter or UTF-8 would blur', () => {
  const pairs: Array<[unknown, unknown]> = [
    [['ab', 'c'], ['a', 'bc']],
    [{ a: 'b', c: 'd' }, { a: 'bs1:cs1:d' }],
    [['1'], [1]],
    [['\ud800'], ['\ud801']],
    [[null], ['null']]
  ]
  for (const [a, b] of pairs) assert.notEqual(canonicalForm(a), canonicalForm(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
})

test('betaSet trims, drops empties, dedupes and sorts', () => {
  assert.deepEqual(betaSet(' b , a,,b '), ['a', 'b'])
  assert.deepEqual(betaSet(undefined), [])
})
