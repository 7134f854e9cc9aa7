// What each candidate sends upstream: the client's bytes untouched when nothing changed, the new
// model spliced into them when only the model changed, one JSON.stringify when the body had to be
// adapted; fallback bodies are built only when they are tried.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { planRoute } from '../../../src/server/route-plan.js'
import { parseJsonBody, parseMessagesRequest } from '../../../src/messages/parse-request.js'
import { compileTestConfig } from '../../helpers/start-gateway.js'

const config = await compileTestConfig(`
routes:
  - name: auto
    match: { model: claude-opus-4-1 }
    action: { model: claude-haiku-4-5, fallback: [claude-sonnet-4-5] }
  - name: downgrade
    match: { model: claude-opus-4-5 }
    action: { model: claude-haiku-4-5 }
`, 'http://127.0.0.1:9')

function plan (raw: string): ReturnType<typeof planRoute> {
  return planRoute(parseMessagesRequest(parseJsonBody(raw)), raw, {}, config, 0.5, '2026-11-20')
}

// Unusual spacing and key order: any re-serialisation would show.
const spaced = (model: string): string => `{ "max_tokens" :64,"messages":[{"role":"user","content":"hi"}],   "model" : "${model}" }`

const ROWS: Array<{ name: string; raw: string; sent: (raw: string) => string }> = [
  { name: 'no rule matches: the very bytes the client sent', raw: spaced('claude-sonnet-4-5'), sent: (raw) => raw },
  { name: 'only the model changes: spliced into the client\'s bytes', raw: spaced('claude-opus-4-1'), sent: (raw) => raw.replace('"claude-opus-4-1"', '"claude-haiku-4-5"') },
  {
    name: 'the body is adapted (an earlier turn\'s thinking block goes): serialised once',
    raw: `{ "model": "claude-opus-4-5", "max_tokens": 64, "messages": [{"role":"user","content":"q"}, {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"a"}]}, {"role":"user","content":"hi"}] }`,
    sent: () => JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'text', text: 'a' }] }, { role: 'user', content: 'hi' }] })
  }
]

for (const row of ROWS) {
  test(`first candidate: ${row.name}`, () => {
    const first = plan(row.raw).candidates[0]
    assert.ok(first !== undefined)
    assert.equal(first.body(), row.sent(row.raw))
  })
}

test('a fallback\'s body carries its own model and is built once, when first tried', () => {
  const raw = spaced('claude-opus-4-1')
  const { candidates } = plan(raw)
  assert.deepEqual(candidates.map((c) => c.model), ['claude-haiku-4-5', 'claude-sonnet-4-5'])
  const fallback = candidates[1]
  assert.ok(fallback !== undefined)
  const body = fallback.body()
  assert.equal(body, raw.replace('"claude-opus-4-1"', '"claude-sonnet-4-5"'))
  assert.equal(fallback.body(), body)
})
