// The simulator's prompt cache and signature rules, as tables over real request bodies.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSimulatedPromptCache } from '../../../src/simulator/prompt-cache.js'
import { refusedSignature, signatureFor, signerOf } from '../../../src/simulator/signatures.js'
import type { MessagesRequest } from '../../../src/types/anthropic.js'

const SYSTEM = [{ type: 'text', text: 'rules '.repeat(4000), cache_control: { type: 'ephemeral' } }]
const body = (model: string, question: string, extra: Partial<MessagesRequest> = {}): MessagesRequest =>
  ({ model, max_tokens: 10, system: SYSTEM, messages: [{ role: 'user', content: question }], ...extra })

test('simulated prompt cache: first use writes, a repeat within the TTL reads, per model and per credential', () => {
  const cache = createSimulatedPromptCache()
  const first = cache.account(body('claude-sonnet-4-6', 'a'), 'k1', 10_000, 0)
  assert.ok(first !== null && first.cache_creation.ephemeral_5m_input_tokens > 1024 && first.cache_read_input_tokens === 0)
  const again = cache.account(body('claude-sonnet-4-6', 'b'), 'k1', 10_000, 60_000)
  assert.equal(again?.cache_read_input_tokens, first.cache_creation_input_tokens)
  assert.equal(again?.cache_creation_input_tokens, 0)
  assert.equal(again.input_tokens + again.cache_read_input_tokens, 10_000)
  assert.equal(cache.account(body('claude-haiku-4-5-20251001', 'b'), 'k1', 10_000, 60_000)?.cache_read_input_tokens, 0, 'another model has its own cache')
  assert.equal(cache.account(body('claude-sonnet-4-6', 'b'), 'k2', 10_000, 60_000)?.cache_read_input_tokens, 0, 'another credential too')
  assert.equal(cache.account(body('claude-sonnet-4-6', 'c'), 'k1', 10_000, 60_000 + 299_000)?.cache_creation_input_tokens, 0, 'the read at 60s refreshed the 5 minutes')
  assert.ok((cache.account(body('claude-sonnet-4-6', 'c'), 'k1', 10_000, 60_000 + 299_000 + 300_001)?.cache_creation_input_tokens ?? 0) > 0, 'expired: written again')
})

test('simulated prompt cache: a 1h breakpoint lives an hour; below the model minimum nothing is cached', () => {
  const cache = createSimulatedPromptCache()
  const hour = body('claude-sonnet-4-6', 'a', { system: [{ type: 'text', text: 'rules '.repeat(4000), cache_control: { type: 'ephemeral', ttl: '1h' } }] })
  assert.ok((cache.account(hour, 'k', 10_000, 0)?.cache_creation.ephemeral_1h_input_tokens ?? 0) > 0)
  assert.ok((cache.account(hour, 'k', 10_000, 3_000_000)?.cache_read_input_tokens ?? 0) > 0)
  assert.equal(cache.account(body('claude-haiku-4-5', 'a'), 'k', 3_000, 0)?.cache_creation_input_tokens, 0, 'Haiku 4.5 needs 4,096 tokens')
  assert.equal(cache.account({ model: 'claude-sonnet-4-6', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }, 'k', 10, 0), null, 'no breakpoint: not involved')
})

const assistantWith = (signature: string) => ({ role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature }, { type: 'tool_use', id: 't1', name: 'bash', input: {} }] })
const toolResult = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] }
const text = { role: 'user', content: 'next' }
const seed = Buffer.from('0123456789abcdef0123456789abcdef')

const ROWS: Array<{ name: string; model: string; messages: MessagesRequest['messages']; refused: boolean }> = [
  { name: 'own signature in the tool turn', model: 'claude-haiku-4-5-20251001', messages: [text, assistantWith(signatureFor('claude-haiku-4-5', seed)), toolResult], refused: false },
  { name: 'foreign signature in the tool turn', model: 'claude-sonnet-4-6', messages: [text, assistantWith(signatureFor('claude-haiku-4-5', seed)), toolResult], refused: true },
  { name: 'foreign signature in an earlier turn (4.x ignores it)', model: 'claude-sonnet-4-6', messages: [text, assistantWith(signatureFor('claude-haiku-4-5', seed)), toolResult, { role: 'assistant', content: 'done' }, text], refused: false },
  { name: 'foreign signature in an earlier turn on a 5.5 model', model: 'claude-sonnet-5-5', messages: [text, assistantWith(signatureFor('claude-sonnet-4-6', seed)), toolResult, { role: 'assistant', content: 'done' }, text], refused: true },
  { name: 'a signature the simulator did not write is not judged', model: 'claude-sonnet-4-6', messages: [text, assistantWith('sig'), toolResult], refused: false }
]
for (const row of ROWS) {
  test(`simulated signatures: ${row.name}`, () => {
    assert.equal(refusedSignature({ model: row.model, max_tokens: 1, messages: row.messages }) !== null, row.refused)
  })
}

test('simulated signatures: name their model, without the snapshot date', () => {
  assert.equal(signerOf(signatureFor('claude-haiku-4-5-20251001', seed)), 'claude-haiku-4-5')
  assert.equal(signerOf('EqQBCgIYAhIM'), null)
})
