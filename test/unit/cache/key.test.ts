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

const MARKER = { type: 'ephemeral', ttl: '1h' }
const withMessages = (content: unknown[]): MessagesRequest => ({ ...BASE, messages: [{ role: 'user', content }, { role: 'assistant', content: 'ok' }] as MessagesRequest['messages'] })
const tool = (schema: Record<string, unknown>, extra: Record<string, unknown> = {}): MessagesRequest => ({ ...BASE, tools: [{ type: 'custom', name: 'lookup', input_schema: schema, ...extra }] })

/** Each row: two bodies that differ only in a `cache_control` somewhere, and whether that is the API's marker (same key) or user data (another key). */
const MARKERS: Array<{ name: string; a: MessagesRequest; b: MessagesRequest; sameKey: boolean }> = [
  { name: 'marker on a message text block', a: withMessages([{ type: 'text', text: 'q', cache_control: MARKER }]), b: withMessages([{ type: 'text', text: 'q' }]), sameKey: true },
  { name: 'marker on a system block', a: { ...BASE, system: [{ type: 'text', text: 's', cache_control: MARKER }] }, b: { ...BASE, system: [{ type: 'text', text: 's' }] }, sameKey: true },
  { name: 'marker on a tool', a: tool({ type: 'object' }, { cache_control: MARKER }), b: tool({ type: 'object' }), sameKey: true },
  { name: 'top-level automatic-caching marker', a: { ...BASE, cache_control: MARKER }, b: BASE, sameKey: true },
  {
    name: 'marker on a block inside a tool_result',
    a: withMessages([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r', cache_control: MARKER }] }]),
    b: withMessages([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r' }] }]),
    sameKey: true
  },
  {
    name: 'marker on a block inside a document source',
    a: withMessages([{ type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'd', cache_control: MARKER }] } }]),
    b: withMessages([{ type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'd' }] } }]),
    sameKey: true
  },
  {
    name: 'user data named cache_control in a tool_use input',
    a: withMessages([{ type: 'tool_use', id: 't', name: 'set', input: { cache_control: 'no-store' } }]),
    b: withMessages([{ type: 'tool_use', id: 't', name: 'set', input: { cache_control: 'max-age=60' } }]),
    sameKey: false
  },
  {
    name: 'user data named cache_control in a tool input_schema',
    a: tool({ type: 'object', properties: { cache_control: { type: 'string' } } }),
    b: tool({ type: 'object', properties: { cache_control: { type: 'number' } } }),
    sameKey: false
  },
  {
    name: 'cache_control inside a marker-bearing block member that is not a block list',
    a: withMessages([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA', cache_control: 1 } }]),
    b: withMessages([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA', cache_control: 2 } }]),
    sameKey: false
  },
  { name: 'cache_control in metadata-like unknown fields', a: { ...BASE, output_config: { cache_control: 'a' } }, b: { ...BASE, output_config: { cache_control: 'b' } }, sameKey: false }
]

for (const row of MARKERS) {
  test(`cache_control: ${row.name} -> ${row.sameKey ? 'same key' : 'another key'}`, () => {
    if (row.sameKey) assert.equal(keyOf(row.a), keyOf(row.b))
    else assert.notEqual(keyOf(row.a), keyOf(row.b))
  })
}

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
  { value: { text: 'x', cache_control: { type: 'ephemeral' } }, expected: '{s13:cache_control{s4:types9:ephemeral}s4:texts1:x}' },
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
