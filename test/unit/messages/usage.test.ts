import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergeUsage, tokenCount, trailingUsage } from '../../../src/messages/usage.js'

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

const TRAILING: Array<{ name: string; json: string; closers?: number; usage: unknown }> = [
  { name: 'the API’s own layout', json: '{"id":"msg_1","type":"message","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"cache_creation":{"ephemeral_5m_input_tokens":0},"output_tokens":1}}', usage: { input_tokens: 3, cache_creation: { ephemeral_5m_input_tokens: 0 }, output_tokens: 1 } },
  { name: 'pretty-printed', json: '{\n  "id": "m",\n  "usage": {\n    "input_tokens": 3\n  }\n}\n', usage: { input_tokens: 3 } },
  { name: 'usage not last: unsure', json: '{"usage":{"input_tokens":3},"id":"m"}', usage: null },
  { name: 'a nested usage key last: unsure', json: '{"usage":{"input_tokens":3},"content":[{"type":"tool_use","input":{"usage":{"input_tokens":99}}}]}', usage: null },
  { name: 'a nested usage at depth 2 ending the body: unsure', json: '{"id":"m","x":{"usage":{"input_tokens":99}}}', usage: null },
  { name: '"usage": inside a string is not a key', json: '{"content":[{"type":"text","text":"say \\"usage\\": {}"}],"usage":{"output_tokens":2}}', usage: { output_tokens: 2 } },
  { name: 'a key ending in an escaped quote and "usage": unsure', json: '{"a\\"usage":{"input_tokens":3}}', usage: null },
  { name: 'multi-byte text before it', json: '{"content":[{"type":"text","text":"Grüße ✓ 🚀"}],"usage":{"output_tokens":4}}', usage: { output_tokens: 4 } },
  { name: 'top level is an array: unsure', json: '[{"usage":{"input_tokens":3}}]', usage: null },
  { name: 'usage not an object: unsure', json: '{"usage":5}', usage: null },
  { name: 'trailing garbage: unsure', json: '{"usage":{"input_tokens":3}} x', usage: null },
  { name: 'no usage', json: '{"id":"m"}', usage: null },
  { name: 'empty', json: '', usage: null },
  { name: 'message_delta', json: '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":20}}', usage: { output_tokens: 20 } },
  { name: 'message_start, two objects deep', closers: 2, json: '{"type":"message_start","message":{"id":"m","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}', usage: { input_tokens: 10, output_tokens: 1 } },
  { name: 'message_start read as one object deep: unsure', json: '{"type":"message_start","message":{"id":"m","usage":{"input_tokens":10}}}', usage: null },
  { name: 'a top-level usage asked two deep: unsure', closers: 2, json: '{"id":"m","usage":{"input_tokens":3}}', usage: null },
  { name: 'two deep, but inside an array: unsure', closers: 2, json: '{"message":[{"usage":{"input_tokens":3}}]}', usage: null },
  { name: 'two deep, but not the last member: unsure', closers: 2, json: '{"message":{"usage":{"input_tokens":3},"id":"m"}}', usage: null }
]

/** Where the whole-parse answer lives, `closers` objects deep along each object's last member. */
function deepUsage (json: string, closers: number): unknown {
  let node: unknown = JSON.parse(json)
  for (let i = 1; i < closers; i++) node = Object.values(node as Record<string, unknown>).at(-1)
  return (node as { usage: unknown }).usage
}

for (const row of TRAILING) {
  test(`trailingUsage: ${row.name}`, () => {
    for (const input of [row.json, Buffer.from(row.json)]) {
      const usage = trailingUsage(input, row.closers)
      assert.deepEqual(usage, row.usage)
      // Never a different answer from parsing the whole.
      if (usage !== null) assert.deepEqual(usage, deepUsage(row.json, row.closers ?? 1))
    }
  })
}
