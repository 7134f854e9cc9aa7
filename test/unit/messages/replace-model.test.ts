import { test } from 'node:test'
import assert from 'node:assert/strict'
import { replaceModel } from '../../../src/messages/replace-model.js'

const CASES: Array<{ name: string; raw: string; expected: string | null }> = [
  { name: 'compact', raw: '{"model":"a","max_tokens":1}', expected: '{"model":"b","max_tokens":1}' },
  { name: 'model last', raw: '{"max_tokens":1,"messages":[],"model":"a"}', expected: '{"max_tokens":1,"messages":[],"model":"b"}' },
  { name: 'pretty-printed', raw: '{\n  "model" : "a",\n  "max_tokens": 1\n}', expected: '{\n  "model" : "b",\n  "max_tokens": 1\n}' },
  { name: '"model" inside a string is not a key', raw: '{"messages":[{"role":"user","content":"the \\"model\\": \\"a\\""}],"model":"a"}', expected: '{"messages":[{"role":"user","content":"the \\"model\\": \\"a\\""}],"model":"b"}' },
  { name: 'a key ending in an escaped "model"', raw: '{"x\\"model":"a","model":"a"}', expected: '{"x\\"model":"a","model":"b"}' },
  { name: 'a nested model key: unsure', raw: '{"model":"a","tools":[{"name":"t","input_schema":{"model":"a"}}]}', expected: null },
  { name: 'duplicate top-level keys: unsure', raw: '{"model":"x","model":"a"}', expected: null },
  { name: 'any \\u escape: unsure', raw: '{"mod\\u0065l":"a","messages":[{"content":"{\\"model\\":\\"a\\"}"}]}', expected: null },
  { name: 'value spelled differently: unsure', raw: '{"model":"claude\\/a"}', expected: null },
  { name: 'value is not the one parsed: unsure', raw: '{"model":"z"}', expected: null },
  { name: 'no model key', raw: '{"max_tokens":1}', expected: null }
]

for (const row of CASES) {
  test(`replaceModel: ${row.name}`, () => {
    const result = replaceModel(row.raw, 'a', 'b')
    assert.equal(result, row.expected)
    if (result !== null) assert.deepEqual(JSON.parse(result), { ...JSON.parse(row.raw), model: 'b' })
  })
}
