import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergeUsage, tokenCount } from '../../../src/messages/usage.js'

const CASES = [
  {
    name: 'delta output overwrites the placeholder, never adds',
    base: { input_tokens: 10, output_tokens: 1 },
    update: { output_tokens: 7 },
    expected: { input_tokens: 10, output_tokens: 7 }
  },
  {
    name: 'null fields in the delta keep the earlier value',
    base: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 },
    update: { input_tokens: null, cache_read_input_tokens: null, output_tokens: 3 },
    expected: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 3 }
  },
  {
    name: 'server-tool loops raise input above message_start (cumulative totals)',
    base: { input_tokens: 2679, output_tokens: 3 },
    update: { input_tokens: 10682, output_tokens: 510, server_tool_use: { web_search_requests: 1 } },
    expected: { input_tokens: 10682, output_tokens: 510, server_tool_use: { web_search_requests: 1 } }
  },
  {
    name: 'nested cache_creation merges field by field',
    base: { cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 2 } },
    update: { cache_creation: { ephemeral_1h_input_tokens: 9 } },
    expected: { cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 9 } }
  },
  { name: 'a non-object update changes nothing', base: { output_tokens: 2 }, update: 'x', expected: { output_tokens: 2 } }
]

for (const { name, base, update, expected } of CASES) {
  test(`mergeUsage: ${name}`, () => {
    assert.deepEqual(mergeUsage(base, update), expected)
  })
}

test('tokenCount treats missing, null, negative and non-numbers as 0', () => {
  assert.deepEqual([5, 0, null, undefined, -3, '7', Number.NaN].map(tokenCount), [5, 0, 0, 0, 0, 0, 0])
})
