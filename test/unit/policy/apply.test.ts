import { test } from 'node:test'
import assert from 'node:assert/strict'
import { applyDecision } from '../../../src/policy/apply.js'
import type { MessageParam } from '../../../src/types/anthropic.js'
import { catalog, request } from './fixtures.js'

const thinking = { type: 'thinking', thinking: 'hmm', signature: 'sig' }
const redacted = { type: 'redacted_thinking', data: 'xyz' }
const text = (t: string) => ({ type: 'text', text: t })
const toolUse = { type: 'tool_use', id: 't1', name: 'search', input: { q: 'a' } }
const toolResult = { type: 'tool_result', tool_use_id: 't1', content: 'found' }

const CONVERSATION: MessageParam[] = [
  { role: 'user', content: 'first' },
  { role: 'assistant', content: [thinking, text('answer one')] },
  { role: 'user', content: 'second' },
  { role: 'assistant', content: [redacted, thinking, text('answer two')] },
  { role: 'user', content: 'third' }
]

const CLAMP_ROWS: Array<{ name: string; from: string; to: string; maxTokens: number; expected: number }> = [
  { name: 'above the target max: clamped', from: 'claude-sonnet-4-5', to: 'claude-3-haiku', maxTokens: 64_000, expected: 4096 },
  { name: 'at the target max: kept', from: 'claude-sonnet-4-5', to: 'claude-3-haiku', maxTokens: 4096, expected: 4096 },
  { name: 'below the target max: kept', from: 'claude-sonnet-4-5', to: 'claude-haiku-4-5', maxTokens: 1000, expected: 1000 },
  { name: 'to a larger model: kept', from: 'claude-3-haiku', to: 'claude-opus-4-6', maxTokens: 4096, expected: 4096 },
  { name: 'max_tokens 0 (pre-warm): kept', from: 'claude-sonnet-4-5', to: 'claude-3-haiku', maxTokens: 0, expected: 0 }
]

for (const row of CLAMP_ROWS) {
  test(`clamp: ${row.name}`, () => {
    const out = applyDecision(request({ model: row.from, max_tokens: row.maxTokens }), row.to, catalog)
    assert.equal(out.model, row.to)
    assert.equal(out.max_tokens, row.expected)
  })
}

test('same model: the very same object comes back (the caller forwards the original bytes)', () => {
  const body = request({ messages: CONVERSATION })
  assert.equal(applyDecision(body, 'claude-sonnet-4-5', catalog), body)
})

test('alias of the same model: only the name changes; thinking blocks stay', () => {
  const body = request({ model: 'claude-sonnet-4-5-20250929', messages: CONVERSATION })
  const out = applyDecision(body, 'claude-sonnet-4-5', catalog)
  assert.notEqual(out, body)
  assert.equal(out.model, 'claude-sonnet-4-5')
  assert.equal(out.messages, body.messages)
})

test('model change strips thinking and redacted_thinking from earlier assistant turns', () => {
  const body = request({ messages: CONVERSATION })
  const out = applyDecision(body, 'claude-haiku-4-5', catalog)
  assert.deepEqual(out.messages, [
    { role: 'user', content: 'first' },
    { role: 'assistant', content: [text('answer one')] },
    { role: 'user', content: 'second' },
    { role: 'assistant', content: [text('answer two')] },
    { role: 'user', content: 'third' }
  ])
})

test('never mutates the body: messages, blocks and max_tokens are as before', () => {
  const body = request({ max_tokens: 64_000, messages: structuredClone(CONVERSATION) })
  const before = structuredClone(body)
  const out = applyDecision(body, 'claude-3-haiku', catalog)
  assert.deepEqual(body, before)
  assert.notEqual(out, body)
  assert.equal(out.messages[0], body.messages[0], 'untouched messages are shared, not copied')
})

test('unknown fields and key order survive the rewrite', () => {
  const body = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], future_field: { a: 1 }, stream: true }
  const out = applyDecision(body, 'claude-haiku-4-5', catalog)
  assert.deepEqual(Object.keys(out), Object.keys(body))
  assert.deepEqual(out.future_field, { a: 1 })
})

test('tool-use loop with thinking on: the pending assistant turn keeps its thinking block', () => {
  const messages: MessageParam[] = [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: [thinking, text('earlier')] },
    { role: 'user', content: 'again' },
    { role: 'assistant', content: [thinking, toolUse] },
    { role: 'user', content: [toolResult] }
  ]
  const out = applyDecision(request({ max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 }, messages }), 'claude-haiku-4-5', catalog)
  assert.deepEqual(out.messages[1]?.content, [text('earlier')])
  assert.deepEqual(out.messages[3]?.content, [thinking, toolUse])
})

test('tool-use loop with thinking off: the pending turn is stripped too', () => {
  const messages: MessageParam[] = [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: [thinking, toolUse] },
    { role: 'user', content: [toolResult] }
  ]
  const out = applyDecision(request({ messages }), 'claude-haiku-4-5', catalog)
  assert.deepEqual(out.messages[1]?.content, [toolUse])
})

test('a turn that would become empty keeps its blocks (an empty turn is a 400)', () => {
  const messages: MessageParam[] = [{ role: 'user', content: 'q' }, { role: 'assistant', content: [thinking] }, { role: 'user', content: 'r' }]
  const body = request({ messages })
  const out = applyDecision(body, 'claude-haiku-4-5', catalog)
  assert.equal(out.messages, body.messages)
})

test('user turns are never touched; string contents are left alone', () => {
  const messages: MessageParam[] = [{ role: 'user', content: [thinking, text('odd but not ours to fix')] }, { role: 'assistant', content: 'plain' }, { role: 'user', content: 'x' }]
  const body = request({ messages })
  assert.equal(applyDecision(body, 'claude-haiku-4-5', catalog).messages, body.messages)
})

test('works for any target: fallback models are adapted the same way', () => {
  const body = request({ model: 'claude-opus-4-6', max_tokens: 100_000, messages: CONVERSATION })
  for (const target of ['claude-haiku-4-5', 'claude-3-haiku', 'claude-text-small']) {
    const out = applyDecision(body, target, catalog)
    const max = catalog.resolve(target)?.capabilities.maxOutputTokens ?? 0
    assert.equal(out.max_tokens, max)
    assert.ok(out.messages.every((m) => typeof m.content === 'string' || m.content.every((b) => b.type !== 'thinking')))
  }
})

test('a target outside the catalog: only the model name changes', () => {
  const body = request({ max_tokens: 999_999, messages: CONVERSATION })
  const out = applyDecision(body, 'claude-unknown', catalog)
  assert.equal(out.model, 'claude-unknown')
  assert.equal(out.max_tokens, 999_999)
  assert.equal(out.messages, body.messages)
})
