import { test } from 'node:test'
import type { ContentBlock } from '../../../src/types/anthropic.js'
import assert from 'node:assert/strict'
import { toRoutingInput } from '../../../src/policy/input.js'
import type { RoutingInput } from '../../../src/policy/types.js'
import { request } from './fixtures.js'

const image = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }

const ROWS: Array<{ name: string; body: ReturnType<typeof request>; expected: Partial<RoutingInput> }> = [
  {
    name: 'a plain request',
    body: request(),
    expected: { requestedModel: 'claude-sonnet-4-5', maxTokens: 1024, hasTools: false, hasImages: false, hasDocuments: false, thinkingType: null, isThinkingRequested: false, systemText: '', metadataUserId: null, isPrefill: false, temperature: null, topP: null, topK: null, inferenceGeo: null, speed: null }
  },
  { name: 'count_tokens body: max_tokens 0', body: { model: 'm', messages: [] }, expected: { maxTokens: 0, isPrefill: false } },
  { name: 'tools: custom ones have no version', body: request({ tools: [{ name: 'a', input_schema: {} } as unknown as ContentBlock, { type: 'custom', name: 'b', input_schema: {} }] }), expected: { hasTools: true, toolTypes: [] } },
  { name: 'tools: versioned Anthropic tools listed', body: request({ tools: [{ type: 'web_search_20250305', name: 'web_search' }, { type: 'bash_20250124', name: 'bash' }] }), expected: { hasTools: true, toolTypes: ['web_search_20250305', 'bash_20250124'] } },
  { name: 'image in a user turn', body: request({ messages: [{ role: 'user', content: [image] }] }), expected: { hasImages: true, hasDocuments: false } },
  { name: 'image nested in tool_result content', body: request({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: [{ type: 'text', text: 'see' }, image] }] }] }), expected: { hasImages: true } },
  { name: 'PDF document: a document and visual', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }] }] }), expected: { hasImages: true, hasDocuments: true } },
  { name: 'plain-text document: not visual', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hi' } }] }] }), expected: { hasImages: false, hasDocuments: true } },
  { name: 'content document holding an image', body: request({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'content', content: [image] } }] }] }), expected: { hasImages: true, hasDocuments: true } },
  { name: 'thinking enabled with a budget', body: request({ thinking: { type: 'enabled', budget_tokens: 2048 } }), expected: { thinkingType: 'enabled', isThinkingRequested: true, thinkingBudgetTokens: 2048 } },
  { name: 'thinking adaptive', body: request({ thinking: { type: 'adaptive' } }), expected: { thinkingType: 'adaptive', isThinkingRequested: true, thinkingBudgetTokens: null } },
  { name: 'thinking disabled is not requested', body: request({ thinking: { type: 'disabled' } }), expected: { thinkingType: 'disabled', isThinkingRequested: false } },
  { name: 'system blocks joined by newlines', body: request({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral' } }] }), expected: { systemText: 'a\nb' } },
  { name: 'metadata user id', body: request({ metadata: { user_id: 'tenant-a:1' } }), expected: { metadataUserId: 'tenant-a:1' } },
  { name: 'metadata user id null', body: request({ metadata: { user_id: null } }), expected: { metadataUserId: null } },
  { name: 'sampling, geo and speed', body: request({ temperature: 0, top_p: 0.9, top_k: 5, inference_geo: 'us', speed: 'fast' }), expected: { temperature: 0, topP: 0.9, topK: 5, inferenceGeo: 'us', speed: 'fast' } },
  { name: 'prefill: last message from the assistant', body: request({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] }), expected: { isPrefill: true } }
]

for (const row of ROWS) {
  test(`routing input: ${row.name}`, () => {
    const input = toRoutingInput(row.body, {})
    const picked = Object.fromEntries(Object.keys(row.expected).map((key) => [key, input[key as keyof RoutingInput]]))
    assert.deepEqual(picked, row.expected)
  })
}

test('routing input keeps the headers object as given and never changes the body', () => {
  const headers = { 'x-team': 'support' }
  const body = request({ system: 'x' })
  const before = JSON.stringify(body)
  const input = toRoutingInput(body, headers)
  assert.equal(input.headers, headers)
  assert.equal(JSON.stringify(body), before)
  assert.ok(input.estimatedInputTokens > 0)
})
