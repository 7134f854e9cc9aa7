import { test } from 'node:test'
import assert from 'node:assert/strict'
import { serialiseBatch } from '../../../src/server/routes/batches.js'

const entry = (i: number): Record<string, unknown> => ({ custom_id: `r${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 8, messages: [{ role: 'user', content: `héllo ✓ ${i}` }] } })

const CASES: Array<{ name: string; body: Record<string, unknown>; requests: unknown[] }> = [
  { name: 'requests only', body: { requests: [] }, requests: [entry(0)] },
  { name: 'no requests left', body: { requests: [entry(0)] }, requests: [] },
  { name: 'other fields before and after requests', body: { metadata: { requests: [] }, requests: [], z: 1 }, requests: [entry(0), entry(1)] },
  { name: 'more entries than one slice', body: { requests: [] }, requests: Array.from({ length: 1234 }, (_, i) => entry(i)) }
]

for (const { name, body, requests } of CASES) {
  test(`serialiseBatch: ${name} → the same JSON as stringifying the batch whole`, async () => {
    const bytes = await serialiseBatch(body, requests)
    assert.deepEqual(JSON.parse(bytes.toString('utf8')), { ...body, requests })
  })
}
